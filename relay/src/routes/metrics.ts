// `GET /metrics` in Prometheus' text format, for a scraper on the same host or private network only.
//
// The check looks at the TCP peer, never at X-Forwarded-For, and refuses any request that carries a
// forwarding header: behind a reverse proxy on the same host every visitor's connection comes from
// 127.0.0.1, so a request the proxy passed on must not count as local. Scrape the relay directly
// (its own port, from localhost, the LAN or the container network), not through the proxy.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isPrivateAddress } from '../cli/server-options';

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

function mayScrape(request: FastifyRequest): boolean {
  if (FORWARDING_HEADERS.some((name) => request.headers[name] !== undefined)) return false;
  return isPrivateAddress(request.raw.socket.remoteAddress);
}

export default async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/metrics', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!mayScrape(request)) {
      return reply.code(403).send({
        statusCode: 403,
        error: 'Forbidden',
        message: 'Metrics are served to the local host and private networks only',
      });
    }
    const { registry } = app.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
