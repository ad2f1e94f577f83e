import os from 'node:os';
import type { Settings } from '../../config/settings.js';
import type { Services } from '../../services.js';
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

/** The tenant named by --tenant and its account named by --email; refuses either unknown. */
export async function tenantAccount(ctx: CommandContext) {
  const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
  const account = await ctx.services.accounts.getByEmail(tenant.id, str(ctx.options, 'email'));
  return { tenant, account };
}
