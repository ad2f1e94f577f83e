import { parseArgs } from 'node:util';
import { loadSettings, SettingsError } from '../config/settings.js';
import { createLogger } from '../log/logger.js';
import { openStorage } from '../storage/open.js';
import { createServices } from '../services.js';
import { adminOperations } from '../operations/index.js';
import { DomainError } from '../errors.js';
import { COMMANDS, cliActor, type Command } from './commands/index.js';
import { Failed, STREAMED } from './commands/common.js';
import { UsageError, type CliIo } from './io.js';

function help(): string {
  return ['usage: idp <command> [options] [--json]', '', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`), ''].join('\n');
}

function parse(command: Command, args: string[]) {
  const options = Object.fromEntries(
    Object.entries(command.options).map(([name, kind]) => [
      name,
      kind === 'boolean' ? { type: 'boolean' as const } : { type: 'string' as const, multiple: kind === 'strings' },
    ]),
  );
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n  ${command.usage}`);
  }
  for (const name of command.required ?? []) {
    if (values[name] === undefined) throw new UsageError(`--${name} is required\n  ${command.usage}`);
  }
  return values;
}

function human(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** Runs one CLI invocation against the store the environment names; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const words = [3, 2, 1].find((n) => COMMANDS[argv.slice(0, n).join(' ')] !== undefined) ?? 2;
  const command = COMMANDS[argv.slice(0, words).join(' ')];
  if (!command) {
    const asked = argv[0] === undefined || argv[0] === 'help' || argv[0] === '--help';
    (asked ? io.stdout : io.stderr).write(asked ? help() : `unknown command "${argv.join(' ')}"\n\n${help()}`);
    return asked ? 0 : 2;
  }
  let json = false;
  try {
    const options = parse(command, argv.slice(words));
    json = options.json === true;
    const settings = loadSettings(io.env);
    const storage = await openStorage(settings);
    try {
      const services = createServices(storage, settings, createLogger('silent'));
      const caller = { actor: cliActor(), awaitMail: true };
      const result = await command.run({
        services,
        settings,
        options,
        io,
        caller,
        storage,
        operations: adminOperations(services, { auditAnchorFile: settings.auditAnchorFile }),
      });
      if (result === STREAMED) return 0;
      const value = result instanceof Failed ? result.value : result;
      io.stdout.write(`${json ? JSON.stringify(value) : human(value)}\n`);
      return result instanceof Failed ? 1 : 0;
    } finally {
      await storage.close();
    }
  } catch (error) {
    io.stderr.write(`${describe(error, json)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function describe(error: unknown, json: boolean): string {
  if (error instanceof DomainError) {
    if (json) return JSON.stringify({ error: error.code, message: error.message, problems: error.problems });
    const lines = error.problems.map((p) => `  ${p.field ? `${p.field}: ` : ''}${p.message}`);
    return [`error: ${error.message}`, ...lines].join('\n');
  }
  if (error instanceof UsageError || error instanceof SettingsError) {
    return json ? JSON.stringify({ error: 'usage', message: error.message }) : `error: ${error.message}`;
  }
  return `error: ${(error as Error).message ?? String(error)}`;
}
