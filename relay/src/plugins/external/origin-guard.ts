// Cross-site request forgery guard for the API: a state-changing request that carries an Origin
// header must come from an allowed origin, and its body must be JSON (which a cross-site form cannot
// send without a CORS preflight we never grant). SameSite=Strict cookies are the second layer.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RelayForbiddenOriginError } from '../../errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function originGuard(
  app: FastifyInstance,
  options: { allowedOrigins: readonly string[] },
): Promise<void> {
  const allowed = new Set(options.allowedOrigins);
  // Fastify parses text/plain by default; it is a CORS "simple" type a cross-site form can send.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method) || !request.url.startsWith('/api/')) return;
    const origin = request.headers.origin;
    if (origin !== undefined && !allowed.has(origin)) throw new RelayForbiddenOriginError();
  });
}

export default fp(originGuard, { name: 'origin-guard' });
