// The account's sessions (one per signed-in browser): list them, end any of them. Ending one
// closes its sockets at once (the sessions plugin announces it on `app.sessionEvents`).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  AccountSessionIdParamsSchema,
  AccountSessionListReplySchema,
  ActivityKind,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { RATE_LIMITS } from '../../auth/rate-limits';
import { RelaySessionNotFoundError } from '../../errors';

export default async function sessionRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/v1/account/sessions',
    { schema: { response: { 200: AccountSessionListReplySchema } } },
    async (request) => {
      const current = request.session!;
      const sessions = await app.sessions.list(current.accountId);
      return {
        sessions: sessions.map((session) => ({
          id: session.id,
          label: session.label,
          method: session.auth_method,
          createdAt: session.created_at,
          lastSeenAt: session.last_seen_at,
          current: session.id === current.id,
        })),
      };
    },
  );

  app.delete(
    '/api/v1/account/sessions/:id',
    {
      config: { rateLimit: RATE_LIMITS.change },
      schema: { params: AccountSessionIdParamsSchema },
    },
    async (request, reply) => {
      const current = request.session!;
      const target = (await app.sessions.list(current.accountId)).find(
        (session) => session.id === request.params.id,
      );
      if (target === undefined) throw new RelaySessionNotFoundError();
      await app.sessions.revoke(current.accountId, [target.id]);
      await app.activity.record(current.accountId, ActivityKind.sessionRevoked, target.label);
      if (target.id === current.id) app.sessions.clearCookie(reply);
      return reply.code(204).send();
    },
  );
}
