// A per-IP request budget on every route, so routes added later are limited unless they opt out.
// Routes that guard secrets (login, second factor) set much tighter limits of their own.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const GLOBAL_RATE_LIMIT = { max: 600, timeWindow: '1 minute' } as const;

async function globalRateLimit(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, { global: true, ...GLOBAL_RATE_LIMIT });
}

export default fp(globalRateLimit, { name: 'rate-limit' });
