import { runCli } from '../../src/cli/run.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json`). */
  json(): ReturnType<typeof JSON.parse>;
}

/** Runs one `idp` command in-process against the store `env` names, capturing what it prints. */
export async function runIdp(args: string[], env: Record<string, string | undefined>, stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    readStdin: async () => stdin,
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
