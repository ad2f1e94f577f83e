import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..', '..');

/** A process of its own hashes once, lowers its pool, and reports every thread's nice value by name. */
function threadsAfterLowering(nice: number, poolSize: number): { lowered: number; threads: { name: string; nice: number }[] } {
  const script = `
    import bcrypt from 'bcrypt';
    import os from 'node:os';
    import { readdirSync, readFileSync } from 'node:fs';
    import { lowerThreadPoolPriority } from './dist/web/thread-priority.js';
    await bcrypt.hash('x', 4);
    const lowered = await lowerThreadPoolPriority(${nice});
    const threads = readdirSync('/proc/self/task').map((tid) => ({
      name: readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').trim(),
      nice: os.getPriority(Number(tid)),
    }));
    process.stdout.write(JSON.stringify({ lowered, threads }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, UV_THREADPOOL_SIZE: String(poolSize) },
  });
  return JSON.parse(String(out));
}

describe('hashing threads are scheduled after the event loop', () => {
  test('every thread of the pool gets the nice value; the event loop and V8 keep theirs', () => {
    const { lowered, threads } = threadsAfterLowering(7, 3);
    expect(lowered).toBe(3);
    const pool = threads.filter((t) => t.name === 'libuv-worker');
    expect(pool).toHaveLength(3);
    expect(pool.every((t) => t.nice === 7)).toBe(true);
    const others = threads.filter((t) => t.name !== 'libuv-worker');
    expect(others.find((t) => t.name === 'MainThread')?.nice).toBe(0);
    expect(others.every((t) => t.nice === 0)).toBe(true);
  });
});
