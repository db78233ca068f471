// Builds the relay without starting it: external plugins (security headers, rate limit, static PWA),
// then the relay's own plugins (database, relay keys, notifier, sessions), then the routes.
// Tests build it on port 0; server.ts builds it from the environment and listens.
import Fastify, { type FastifyInstance } from 'fastify';
import activity from './auth/activity-log';
import authServices from './auth/auth-services';
import type { Config } from './config';
import database from './plugins/app/database';
import notifier from './plugins/app/notifier';
import relayKeys from './plugins/app/relay-keys';
import sessions from './plugins/app/sessions';
import cookie from './plugins/external/cookie';
import originGuard from './plugins/external/origin-guard';
import rateLimit from './plugins/external/rate-limit';
import securityHeaders from './plugins/external/security-headers';
import staticPwa from './plugins/external/static';
import accountAreaRoutes from './routes/account/account-routes';
import authRoutes from './routes/auth/auth-routes';
import healthRoutes from './routes/health';
import keyRoutes from './routes/keys/key-routes';
import keyDirectory from './keys/key-directory';

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

export async function buildApp(config: Config): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      serializers: {
        req: requestLogFields,
        res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
      },
    },
  });

  await app.register(securityHeaders);
  await app.register(rateLimit);
  await app.register(staticPwa, { webDir: config.webDir });
  await app.register(cookie);
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

  await app.register(healthRoutes, { dataDir: config.dataDir });
  await app.register(authRoutes);
  await app.register(accountAreaRoutes);
  await app.register(keyRoutes);

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
