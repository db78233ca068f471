// Builds the relay without starting it: external plugins (security headers, rate limit, static PWA),
// then the relay's own plugins (database, relay keys, notifier, sessions), then the routes.
// Tests build it on port 0; server.ts builds it from the environment and listens.
import Fastify, { type FastifyInstance } from 'fastify';
import activity from './auth/activity-log';
import authServices from './auth/auth-services';
import blobService, { blobServiceOptions } from './blobs/blob-service';
import { tlsServerOptions, trustProxyOption } from './cli/server-options';
import type { Config } from './config';
import database from './plugins/app/database';
import metrics from './plugins/app/metrics';
import notifier from './plugins/app/notifier';
import relayKeys from './plugins/app/relay-keys';
import routeTable from './plugins/app/route-table';
import sessions from './plugins/app/sessions';
import cookie from './plugins/external/cookie';
import originGuard from './plugins/external/origin-guard';
import rateLimit from './plugins/external/rate-limit';
import securityHeaders from './plugins/external/security-headers';
import staticPwa from './plugins/external/static';
import websocket from './plugins/external/websocket';
import accountAreaRoutes from './routes/account/account-routes';
import authRoutes from './routes/auth/auth-routes';
import blobRoutes from './routes/blobs/blob-routes';
import healthRoutes from './routes/health';
import keyRoutes from './routes/keys/key-routes';
import metricsRoutes from './routes/metrics';
import keyDirectory from './keys/key-directory';
import linkRendezvous from './link/link-rendezvous';
import linkRoutes from './routes/link/link-routes';
import mailbox from './mailbox/mailbox-service';
import mailboxRoutes from './routes/mailbox/mailbox-routes';
import socketRoute from './routes/socket/socket-route';
import socketHub from './socket/socket-hub';

/** Logs name the route, never the query string, the body, the client's address or headers. */
function requestLogFields(request: { method?: string; url?: string }): Record<string, unknown> {
  return { method: request.method, path: request.url?.split('?', 1)[0] };
}

function statusCodeOf(error: unknown): number {
  if (error instanceof Error && 'statusCode' in error && typeof error.statusCode === 'number') {
    return error.statusCode;
  }
  return 500;
}

/**
 * Unknown fields are refused (400), not silently dropped: a body means exactly what it says.
 * Exported so the HTTP fuzzer (attacks/http.attack.test.ts) compiles route schemas exactly as
 * Fastify does here.
 */
export const AJV_OPTIONS = { customOptions: { removeAdditional: false } } as const;

export async function buildApp(config: Config): Promise<FastifyInstance> {
  const app = Fastify({
    // TLS straight from the relay when VEIL_TLS_CERT/VEIL_TLS_KEY are set (files read now, at boot).
    ...tlsServerOptions(config),
    // Behind a reverse proxy: believe X-Forwarded-For/-Proto from this many hops, no more.
    trustProxy: trustProxyOption(config.trustProxy),
    ajv: AJV_OPTIONS,
    logger: {
      level: config.logLevel,
      serializers: {
        req: requestLogFields,
        res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
      },
    },
  });

  // First, so its onResponse hook counts every request, the static PWA's and rate-limited ones too.
  await app.register(metrics);
  await app.register(routeTable);
  await app.register(securityHeaders, { webDir: config.webDir });
  await app.register(rateLimit);
  await app.register(staticPwa, { webDir: config.webDir });
  await app.register(cookie);
  await app.register(websocket);
  await app.register(originGuard, { allowedOrigins: config.allowedOrigins });

  await app.register(database, { dataDir: config.dataDir });
  await app.register(relayKeys, { dataDir: config.dataDir });
  await app.register(notifier);
  await app.register(sessions, {
    publicOrigin: config.publicOrigin,
    sessionTtlMs: config.sessionTtlMs,
  });
  await app.register(activity);
  await app.register(authServices, {
    registration: config.registration,
    rpId: config.rpId,
    allowedOrigins: config.allowedOrigins,
  });
  await app.register(keyDirectory);
  await app.register(mailbox, { envelopeTtlMs: config.envelopeTtlMs });
  await app.register(socketHub);
  await app.register(linkRendezvous);

  await app.register(healthRoutes, { dataDir: config.dataDir });
  await app.register(metricsRoutes);
  await app.register(authRoutes);
  await app.register(accountAreaRoutes);
  await app.register(blobService, blobServiceOptions(config));
  await app.register(blobRoutes);
  await app.register(keyRoutes);
  await app.register(mailboxRoutes);
  await app.register(linkRoutes);
  await app.register(socketRoute, { allowedOrigins: config.allowedOrigins });

  // One error handler: client errors keep their message, server errors never echo internals.
  app.setErrorHandler(async (error, request, reply) => {
    const statusCode = statusCodeOf(error);
    if (statusCode < 500) return reply.code(statusCode).send(error);
    request.log.error({ err: error }, 'request failed');
    return reply
      .code(statusCode)
      .send({ statusCode, error: 'Internal Server Error', message: 'Internal Server Error' });
  });

  return app;
}
