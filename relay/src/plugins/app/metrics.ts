// Prometheus metrics as `app.metrics`: one registry per app (not prom-client's global one, so tests
// can build several relays in one process), Node's default process metrics, an HTTP request counter
// and duration histogram, and the relay's own gauges and counters that other plugins update.
//
// Labels are deliberately coarse: the route *pattern* (`/api/v1/blobs/:id`, never the raw URL), the
// method and the status class. No label ever carries an account, a username, a device or blob id,
// or an address: metrics are scraped into systems that keep them for a long time.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Methods the relay answers; anything else is counted as OTHER so a client cannot mint labels. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The label for requests that matched no route (404s, scans): never the URL that was asked for. */
export const UNMATCHED_ROUTE = 'unmatched';

type HttpLabel = 'route' | 'method' | 'status_class';

export interface RelayMetrics {
  /** The registry `/metrics` serves. */
  readonly registry: Registry;
  /** WebSocket connections open now: `inc()` on open, `dec()` on close. */
  readonly socketsOpen: Gauge;
  /** Envelopes committed to the database (one per accepted submission, after the commit). */
  readonly envelopesAccepted: Counter;
  /** Envelopes pushed to a device over its socket (one per delivery frame sent). */
  readonly deliveriesPushed: Counter;
  /** Bytes of blob ciphertext on disk now: `inc(n)` as chunks land, `dec(n)` as blobs go. */
  readonly blobsBytesStored: Gauge;
  /** HTTP requests answered, by route pattern, method and status class. */
  readonly httpRequests: Counter<HttpLabel>;
  /** HTTP request durations in seconds, by the same labels. */
  readonly httpRequestDuration: Histogram<HttpLabel>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: RelayMetrics;
  }
}

export function createRelayMetrics(): RelayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'veil_relay_' });
  const registers = [registry];
  return {
    registry,
    socketsOpen: new Gauge({
      name: 'veil_relay_sockets_open',
      help: 'WebSocket connections open now',
      registers,
    }),
    envelopesAccepted: new Counter({
      name: 'veil_relay_envelopes_accepted_total',
      help: 'Envelopes committed to the database',
      registers,
    }),
    deliveriesPushed: new Counter({
      name: 'veil_relay_deliveries_pushed_total',
      help: 'Envelopes pushed to devices over their sockets',
      registers,
    }),
    blobsBytesStored: new Gauge({
      name: 'veil_relay_blobs_bytes_stored',
      help: 'Bytes of encrypted attachment data stored',
      registers,
    }),
    httpRequests: new Counter({
      name: 'veil_relay_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status class',
      labelNames: ['route', 'method', 'status_class'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'veil_relay_http_request_duration_seconds',
      help: 'HTTP request durations, by route pattern, method and status class',
      labelNames: ['route', 'method', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

/** The labels of one answered request: nothing in them comes from the URL or the body. */
export function httpLabels(
  request: FastifyRequest,
  reply: FastifyReply,
): Record<HttpLabel, string> {
  return {
    route: request.routeOptions.url ?? UNMATCHED_ROUTE,
    method: KNOWN_METHODS.has(request.method) ? request.method : 'OTHER',
    status_class: `${Math.floor(reply.statusCode / 100)}xx`,
  };
}

async function metrics(app: FastifyInstance): Promise<void> {
  const relayMetrics = createRelayMetrics();
  app.decorate('metrics', relayMetrics);
  app.addHook('onResponse', async (request, reply) => {
    const labels = httpLabels(request, reply);
    relayMetrics.httpRequests.inc(labels);
    relayMetrics.httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  });
  app.addHook('onClose', async () => relayMetrics.registry.clear());
}

export default fp(metrics, { name: 'metrics' });
