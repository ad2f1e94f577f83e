import { runCli } from './run.js';
import { readAll } from './io.js';

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => readAll(process.stdin),
});
process.exitCode = code;
