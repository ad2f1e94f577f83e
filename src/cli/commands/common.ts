import os from 'node:os';
import type { Settings } from '../../config/settings.js';
import type { Services } from '../../services.js';
import type { Storage } from '../../storage/port.js';
import type { Actor } from '../../audit/types.js';
import type { AdminOperations, Caller } from '../../operations/index.js';
import { UsageError, type CliIo } from '../io.js';

export type Options = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  services: Services;
  settings: Settings;
  options: Options;
  io: CliIo;
  /** The operating-system user; e-mails are awaited, since the process exits when done. */
  caller: Caller;
  operations: AdminOperations;
  /** The store itself, for what only an operator does to it as a whole (backup). */
  storage: Storage;
}

export interface Command {
  usage: string;
  /** Options this command takes: `string`, `strings` (repeatable) or `boolean`. */
  options: Record<string, 'string' | 'strings' | 'boolean'>;
  required?: string[];
  run(ctx: CommandContext): Promise<unknown>;
}

export function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry in some containers
  }
  return { type: 'cli', id: `${user}@${os.hostname()}` };
}

export const str = (options: Options, name: string) => options[name] as string;
export const list = (options: Options, name: string) => (options[name] as string[] | undefined) ?? [];

/** A secret from standard input (never a flag: flags end up in shell history and process lists). */
export async function passwordFromStdin(io: CliIo): Promise<string> {
  const text = (await io.readStdin()).replace(/\r?\n$/, '');
  if (!text) throw new UsageError('standard input was empty, but a secret was expected there');
  return text;
}

/**
 * The tenant named by --tenant and its account named by --email or, for an account without an
 * e-mail address (made by an e-ID sign-in), by --id; refuses either unknown.
 */
export async function tenantAccount(ctx: CommandContext) {
  const { email, id } = ctx.options as { email?: string; id?: string };
  if ((email === undefined) === (id === undefined)) throw new UsageError('name the account with exactly one of --email and --id');
  const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
  const account =
    id === undefined ? await ctx.services.accounts.getByEmail(tenant.id, email!) : await ctx.services.accounts.get(tenant.id, id);
  return { tenant, account };
}

/** A result that still exits non-zero (a check that found something wrong): printed, then exit 1. */
export class Failed {
  constructor(readonly value: unknown) {}
}

/** Output a command already wrote itself (streamed JSON Lines): nothing more is printed. */
export const STREAMED = Symbol('streamed');

/** Writes lines to standard output as they come, waiting when the pipe is full (memory stays flat). */
export async function streamLines(io: CliIo, lines: AsyncIterable<string>): Promise<typeof STREAMED> {
  const out = io.stdout as { write(text: string): unknown; once?: (event: 'drain', listener: () => void) => unknown };
  for await (const line of lines) {
    if (out.write(line) === false && out.once) await new Promise<void>((resolve) => out.once!('drain', resolve));
  }
  return STREAMED;
}

/** An ISO 8601 time from a flag, or a usage error naming the flag. */
export function timeOption(options: Options, name: string): string | undefined {
  const value = options[name] as string | undefined;
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new UsageError(`--${name} must be a time such as 2026-01-31 or 2026-01-31T12:00:00Z`);
  return time.toISOString();
}
