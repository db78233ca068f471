// A per-IP request budget on every route, so routes added later are limited unless they opt out.
// Routes that guard secrets (login, second factor) set much tighter limits of their own.
//
// The API and the PWA's files are counted in separate buckets. Opening the app for the first time
// fetches and precaches every file of the build (well over a hundred), and people behind one NAT
// share an address: counted with the API, a few first visits would lock everyone there out of
// both. Static files are cheap to serve, so their bucket is ten times larger, and a flood of them
// no longer eats the API budget of the same address.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export const GLOBAL_RATE_LIMIT = { max: 600, timeWindow: '1 minute' } as const;
/** Requests a minute per address for the PWA's own files (and unknown paths). */
export const STATIC_RATE_LIMIT_MAX = 6000;

const STATIC_KEY = 'static:';

function isApi(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/');
}

async function globalRateLimit(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    ...GLOBAL_RATE_LIMIT,
    keyGenerator: (request) => (isApi(request) ? request.ip : `${STATIC_KEY}${request.ip}`),
    max: (_request, key) =>
      key.startsWith(STATIC_KEY) ? STATIC_RATE_LIMIT_MAX : GLOBAL_RATE_LIMIT.max,
  });
}

export default fp(globalRateLimit, { name: 'rate-limit' });
