// BENCH_CPU_PROF=DIR: a V8 CPU profile of the serving only (from listening to SIGTERM), written
// to DIR/<name>.cpuprofile, so start-up work (key generation, seeding) does not blur it.
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export async function profileServing(name) {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  };
}
