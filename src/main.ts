import { loadSettings, SettingsError } from './config/settings.js';
import { createIdp } from './app.js';

async function main(): Promise<void> {
  const settings = loadSettings();
  const idp = await createIdp(settings);
  await idp.listen();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    idp.logger.info({ signal, deadlineSeconds: settings.shutdownTimeoutSeconds }, 'shutting down: finishing requests in flight');
    // close() is bounded by SHUTDOWN_TIMEOUT_SECONDS; whatever it ends with, the process ends.
    await idp.close().catch((error: unknown) => idp.logger.error({ err: error }, 'shutdown failed'));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof SettingsError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
