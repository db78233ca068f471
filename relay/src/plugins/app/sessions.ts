// Sessions: creation (rotating the cookie at every sign-in), lookup on each request through the
// `app.requireSession` pre-handler, listing and revocation. Revocations are announced on
// `app.sessionEvents` so the WebSocket layer closes that session's sockets at once.
import { EventEmitter } from 'node:events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Session } from '../../db/schema';
import { hashToken, newToken, sessionCookieName } from '../../sessions/session-token';
import { RelayUnauthenticatedError } from '../../errors';

export interface AuthenticatedSession {
  readonly id: number;
  readonly accountId: number;
  readonly deviceId: number | null;
  readonly expiresAt: number;
}

export interface SessionEvents {
  revoked: [sessionIds: readonly number[]];
}

export interface SessionService {
  /** Starts a session and sets its cookie on `reply`, replacing any session the request carried. */
  start(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { accountId: number; method: string; deviceId?: number | null },
  ): Promise<AuthenticatedSession>;
  /** The live session a request's cookie names, or null. */
  lookup(request: FastifyRequest): Promise<AuthenticatedSession | null>;
  list(accountId: number): Promise<Session[]>;
  revoke(accountId: number, sessionIds: readonly number[]): Promise<number>;
  revokeAllExcept(accountId: number, keepSessionId: number | null): Promise<number>;
  clearCookie(reply: FastifyReply): void;
  readonly cookieName: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionService;
    sessionEvents: EventEmitter<SessionEvents>;
    /** Hook (preValidation, so an unauthenticated body is never validated): 401 unless the request carries a live session; sets `request.session`. */
    requireSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    session: AuthenticatedSession | null;
  }
}

const LAST_SEEN_RESOLUTION_MS = 60_000;

/** "Chrome on Linux": enough for a person to recognise a session, too coarse to fingerprint. */
export function browserLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Unknown browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : 'unknown system';
  return `${browser} on ${os}`;
}

async function sessions(
  app: FastifyInstance,
  options: { publicOrigin: string; sessionTtlMs: number },
): Promise<void> {
  const cookieName = sessionCookieName(options.publicOrigin);
  const events = new EventEmitter<SessionEvents>();

  const toAuthenticated = (
    row: Pick<Session, 'id' | 'account_id' | 'device_id' | 'expires_at'>,
  ): AuthenticatedSession => ({
    id: row.id,
    accountId: row.account_id,
    deviceId: row.device_id,
    expiresAt: row.expires_at,
  });

  const lookup = async (request: FastifyRequest): Promise<AuthenticatedSession | null> => {
    const token = request.cookies[cookieName];
    if (token === undefined || token.length !== 43) return null;
    const now = Date.now();
    const row = await app.db
      .selectFrom('sessions')
      .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
      .select([
        'sessions.id',
        'sessions.account_id',
        'sessions.device_id',
        'sessions.expires_at',
        'sessions.last_seen_at',
      ])
      .where('sessions.token_hash', '=', hashToken(token))
      .where('sessions.expires_at', '>', now)
      .where('accounts.status', '=', 'active')
      .executeTakeFirst();
    if (row === undefined) return null;
    if (now - row.last_seen_at > LAST_SEEN_RESOLUTION_MS) {
      await app.db
        .updateTable('sessions')
        .set({ last_seen_at: now })
        .where('id', '=', row.id)
        .execute();
    }
    return toAuthenticated(row);
  };

  const setCookie = (reply: FastifyReply, token: string): void => {
    reply.setCookie(cookieName, token, {
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      path: '/',
      maxAge: Math.floor(options.sessionTtlMs / 1000),
    });
  };

  const service: SessionService = {
    cookieName,
    async start(request, reply, { accountId, method, deviceId = null }) {
      // Rotation: whatever session this browser held ends here, so a planted cookie is worthless.
      const previous = await lookup(request);
      if (previous !== null) await service.revoke(previous.accountId, [previous.id]);
      const { token, hash } = newToken();
      const now = Date.now();
      const row = await app.db
        .insertInto('sessions')
        .values({
          token_hash: hash,
          account_id: accountId,
          device_id: deviceId,
          auth_method: method,
          label: browserLabel(request.headers['user-agent']),
          created_at: now,
          last_seen_at: now,
          expires_at: now + options.sessionTtlMs,
        })
        .returning(['id', 'account_id', 'device_id', 'expires_at'])
        .executeTakeFirstOrThrow();
      setCookie(reply, token);
      return toAuthenticated(row);
    },
    lookup,
    list(accountId) {
      return app.db
        .selectFrom('sessions')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('expires_at', '>', Date.now())
        .orderBy('last_seen_at', 'desc')
        .execute();
    },
    async revoke(accountId, sessionIds) {
      if (sessionIds.length === 0) return 0;
      const deleted = await app.db
        .deleteFrom('sessions')
        .where('account_id', '=', accountId)
        .where('id', 'in', sessionIds)
        .returning('id')
        .execute();
      if (deleted.length > 0)
        events.emit(
          'revoked',
          deleted.map((row) => row.id),
        );
      return deleted.length;
    },
    async revokeAllExcept(accountId, keepSessionId) {
      let query = app.db.deleteFrom('sessions').where('account_id', '=', accountId);
      if (keepSessionId !== null) query = query.where('id', '!=', keepSessionId);
      const deleted = await query.returning('id').execute();
      if (deleted.length > 0)
        events.emit(
          'revoked',
          deleted.map((row) => row.id),
        );
      return deleted.length;
    },
    clearCookie(reply) {
      reply.clearCookie(cookieName, {
        path: '/',
        httpOnly: true,
        secure: true,
        sameSite: 'strict',
      });
    },
  };

  app.decorate('sessions', service);
  app.decorate('sessionEvents', events);
  app.decorateRequest('session', null);
  app.decorate('requireSession', async (request: FastifyRequest) => {
    const session = await lookup(request);
    if (session === null) throw new RelayUnauthenticatedError();
    request.session = session;
  });
}

export default fp(sessions, { name: 'sessions', dependencies: ['database', 'cookie'] });
