// Serves the PWA from the configured web directory. The PWA routes on the client, so a GET for an
// unknown path that accepts HTML (a reload or a shared deep link) gets index.html; anything else
// unknown is a plain 404.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface StaticOptions {
  readonly webDir: string;
}

/** A page navigation to a client-side route; never an API path (those answer 404 in JSON). */
function wantsHtml(request: FastifyRequest): boolean {
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    !request.url.startsWith('/api/') &&
    (request.headers.accept ?? '').includes('text/html')
  );
}

async function servePwa(app: FastifyInstance, options: StaticOptions): Promise<void> {
  if (!existsSync(join(options.webDir, 'index.html'))) {
    // The API works without the PWA; the operator just needs to know why the page is empty.
    app.log.warn(
      { webDir: options.webDir },
      'no PWA build here: run `pnpm --filter @veil/web build` (scripts/setup.sh does)',
    );
  }
  await app.register(fastifyStatic, { root: options.webDir, index: 'index.html' });

  app.setNotFoundHandler(
    // Unknown paths cost a file-system lookup, so they count against the rate limit too.
    { preHandler: app.rateLimit() },
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (wantsHtml(request)) return reply.sendFile('index.html');
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'Not Found' });
    },
  );
}

export default fp(servePwa, { name: 'static', dependencies: ['rate-limit'] });
