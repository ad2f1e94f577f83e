import { readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';

/** libuv names the threads of its pool so (Linux). */
const POOL_THREAD_NAME = 'libuv-worker';

/**
 * Gives libuv's thread pool, where bcrypt hashes passwords, a lower scheduling priority (a
 * higher nice value) than the event loop, thread by thread (Linux applies nice per thread). The
 * hashing still takes every cycle the event loop leaves, but a request such as /healthz no
 * longer waits for a time slice behind saturated hashing threads. Returns how many threads
 * were lowered: none where /proc is missing (not Linux), which only loses that preference.
 */
export async function lowerThreadPoolPriority(niceness: number): Promise<number> {
  // The pool starts all its threads at its first use; a stat makes sure they exist.
  await stat('.');
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const tid of tasks) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== POOL_THREAD_NAME) continue;
      os.setPriority(Number(tid), niceness);
      lowered += 1;
    } catch {
      // A thread that ended meanwhile, or a system that refuses: that thread keeps its priority.
    }
  }
  return lowered;
}
