// The signed-in account's own view of itself, and deleting it. Deletion removes every row the
// account owns (foreign keys cascade: factors, sessions, devices, prekeys, mailboxes, blob rows)
// and then announces `deleted` on `app.accountEvents` for what lives outside the database.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AccountSummarySchema, StepUpBodySchema } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';

export default async function accountRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/api/v1/account', { schema: { response: { 200: AccountSummarySchema } } }, (request) =>
    app.auth.summary(request.session!.accountId),
  );

  app.delete(
    '/api/v1/account',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { rateLimit: RATE_LIMITS.change },
      schema: { body: StepUpBodySchema },
    },
    async (request, reply) => {
      const session = request.session!;
      await app.auth.stepUp.require(session, request.body);
      // Revoked first, so the sockets of every session close through the usual 'revoked' event.
      await app.sessions.revokeAllExcept(session.accountId, null);
      const { username } = await app.auth.summary(session.accountId);
      await app.db.transaction().execute(async (trx) => {
        // Login states are keyed by name, not by a foreign key: they go by hand.
        await trx.deleteFrom('opaque_logins').where('username', '=', username).execute();
        await trx.deleteFrom('accounts').where('id', '=', session.accountId).execute();
      });
      app.sessions.clearCookie(reply);
      app.accountEvents.emit('deleted', session.accountId);
      return reply.code(204).send();
    },
  );
}
