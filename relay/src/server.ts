// The relay's entry point (`pnpm start`): read the configuration from the environment, listen, and
// close gracefully on SIGINT/SIGTERM, letting requests in flight finish.
import { mkdir } from 'node:fs/promises';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';
import { type Config, loadConfig } from './config';
import { RelayConfigError } from './errors';

function readConfig(): Config | undefined {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof RelayConfigError)) throw error;
    // A configuration mistake is the operator's to fix: say what is wrong, without a stack trace.
    process.stderr.write(`veil-relay: ${error.message}\n`);
    return undefined;
  }
}

async function main(): Promise<number> {
  const config = readConfig();
  if (config === undefined) return 1;
  await mkdir(config.dataDir, { recursive: true });

  const app = await buildApp(config);
  closeWithGrace({ delay: 10_000, logger: app.log }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    app.log.fatal({ err: error }, 'could not listen');
    await app.close();
    return 1;
  }
  return 0;
}

process.exitCode = await main();
