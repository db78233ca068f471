// `veil-relay serve` (and `pnpm start`): read and check the configuration, create the data
// directory, build the relay (database migrated, key file loaded, TLS files read) and listen; on
// SIGINT/SIGTERM stop accepting, let requests in flight finish (an envelope is acknowledged only
// after its commit, so a finished request is a committed one), then close the database.
import { mkdir } from 'node:fs/promises';
import closeWithGrace from 'close-with-grace';
import { buildApp } from '../app';
import { RelayConfigError } from '../errors';
import { type CliIo, CliError, EXIT, readConfig } from './cli-io';

/** How long in-flight requests get to finish after a signal before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Starts the relay; resolves once it listens (0) or failed to start (1). */
export async function serve(io: CliIo): Promise<number> {
  let config;
  try {
    config = readConfig(io.env);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(`veil-relay: ${error.message}`);
    return EXIT.failed;
  }
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  let app;
  try {
    app = await buildApp(config);
  } catch (error) {
    // Unreadable TLS files are found while building; anything else is a real failure.
    if (!(error instanceof RelayConfigError)) throw error;
    io.err(`veil-relay: ${error.message}`);
    return EXIT.failed;
  }
  const started = app;
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS, logger: started.log }, async ({ signal, err }) => {
    if (err !== undefined) started.log.error({ err }, 'closing after an uncaught error');
    else started.log.info({ signal }, 'shutting down');
    await started.close();
  });

  try {
    await started.listen({ host: config.host, port: config.port });
  } catch (error) {
    started.log.fatal({ err: error }, 'could not listen');
    await started.close();
    return EXIT.failed;
  }
  return EXIT.ok;
}
