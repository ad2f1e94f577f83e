import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The .eml files the embedded mailer wrote, oldest first. */
export function outbox(dataDir: string): string[] {
  const dir = path.join(dataDir, 'outbox');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.eml'))
    .sort()
    .map((file) => readFileSync(path.join(dir, file), 'utf8'));
}

/** Waits for background mail to land (it is sent after the answer, on purpose). */
export async function waitForOutbox(dataDir: string, count: number, timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = outbox(dataDir);
    if (mails.length >= count || Date.now() > deadline) return mails;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
