// Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can do its work, today
// meaning the data directory is writable; the database check joins it when the database lands).
import { access, constants } from 'node:fs/promises';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HealthSchema, HealthStatus } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
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
      if (await isWritableDirectory(options.dataDir)) {
        return { status: HealthStatus.ok, version: RELAY_VERSION };
      }
      request.log.warn('not ready: the data directory is missing or not writable');
      return reply.code(503).send({ status: HealthStatus.unavailable, version: RELAY_VERSION });
    },
  );
  done();
}
