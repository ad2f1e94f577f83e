import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..', '..');
const flagsOf = (words: string[]) => words.filter((word) => word.startsWith('--'));

describe('the V8 flags production runs with', () => {
  test('the container starts the service with the same flags as `npm start` (which the benchmark uses)', () => {
    const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(cmd).toBeDefined();
    const fromPackage = flagsOf(start.split(' '));
    expect(fromPackage).toEqual(expect.arrayContaining(['--max-semi-space-size=4', '--heap-growing-percent=100']));
    expect(flagsOf(JSON.parse(cmd!) as string[])).toEqual(fromPackage);
  });
});
