// Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can do its work, meaning
// the database answers a query and the data directory, where blobs and the key file live, is
// writable). Neither says why it is not ready: the reason goes to the log, not to the caller.
import { access, constants } from 'node:fs/promises';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HealthSchema, HealthStatus } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { RELAY_VERSION } from '../version';

export interface HealthRoutesOptions {
  readonly dataDir: string;
}

async function isWritableDirectory(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export default function healthRoutes(
  fastify: FastifyInstance,
  options: HealthRoutesOptions,
  done: (error?: Error) => void,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  /** Whether a trivial query goes through the same Kysely handle every route uses. */
  const databaseAnswers = async (): Promise<boolean> => {
    try {
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(app.db);
      return rows[0]?.one === 1;
    } catch {
      return false;
    }
  };

  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get('/healthz', { schema: { response: { 200: HealthSchema } } }, () => ({
    status: HealthStatus.ok,
    version: RELAY_VERSION,
  }));

  app.get(
    '/readyz',
    { schema: { response: { 200: HealthSchema, 503: HealthSchema } } },
    async (request, reply) => {
      const database = await databaseAnswers();
      const dataDir = await isWritableDirectory(options.dataDir);
      if (database && dataDir) return { status: HealthStatus.ok, version: RELAY_VERSION };
      if (!database) request.log.warn('not ready: the database does not answer');
      if (!dataDir) request.log.warn('not ready: the data directory is missing or not writable');
      return reply.code(503).send({ status: HealthStatus.unavailable, version: RELAY_VERSION });
    },
  );
  done();
}
