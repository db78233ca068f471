// Password change: an OPAQUE re-registration. The first step needs a fresh proof (auth/step-up.ts),
// because it evaluates the account's OPRF key and so must not serve a stolen session as a guessing
// oracle; it hands out a single-use change token for the second. Finishing replaces the record
// (and, when sent, the account-key backup re-encrypted for the new password, in one transaction),
// ends every other session and abandons login attempts still running with the old password.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ActivityKind,
  PasswordChangeFinishBodySchema,
  PasswordChangeStartBodySchema,
  PasswordChangeStartReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { opaqueServer } from '../../auth/opaque';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';
import { TicketKind } from '../../auth/tickets';
import { RelayMalformedAuthError, RelayStepUpRequiredError } from '../../errors';

export default async function passwordRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = app;
  const change = { bodyLimit: BODY_LIMITS.small, config: { rateLimit: RATE_LIMITS.change } };

  app.post(
    '/api/v1/account/password/start',
    {
      ...change,
      schema: {
        body: PasswordChangeStartBodySchema,
        response: { 200: PasswordChangeStartReplySchema },
      },
    },
    async (request) => {
      const session = request.session!;
      await auth.stepUp.require(session, request.body);
      const { username } = await auth.summary(session.accountId);
      const server = await opaqueServer();
      let registrationResponse: string;
      try {
        ({ registrationResponse } = server.createRegistrationResponse({
          serverSetup: app.relayKeys.opaqueServerSetup,
          userIdentifier: username,
          registrationRequest: request.body.registrationRequest,
        }));
      } catch {
        throw new RelayMalformedAuthError();
      }
      const ticket = await auth.tickets.issue({
        kind: TicketKind.passwordChange,
        accountId: session.accountId,
        sessionId: session.id,
      });
      return { registrationResponse, changeToken: ticket.token };
    },
  );

  app.post(
    '/api/v1/account/password/finish',
    { ...change, schema: { body: PasswordChangeFinishBodySchema } },
    async (request, reply) => {
      const session = request.session!;
      const owner = await auth.tickets.consume({
        kind: TicketKind.passwordChange,
        token: request.body.changeToken,
        sessionId: session.id,
      });
      if (owner !== session.accountId) {
        throw new RelayStepUpRequiredError('start the password change again');
      }
      const { username } = await auth.summary(session.accountId);
      await app.db.transaction().execute(async (trx) => {
        // An upsert: a passkey-only account sets its first password the same way.
        const now = Date.now();
        await trx
          .insertInto('password_records')
          .values({
            account_id: session.accountId,
            opaque_record: request.body.registrationRecord,
            updated_at: now,
          })
          .onConflict((conflict) =>
            conflict.column('account_id').doUpdateSet({
              opaque_record: request.body.registrationRecord,
              updated_at: now,
            }),
          )
          .execute();
        await trx
          .updateTable('accounts')
          .set({ failed_logins: 0, locked_until: null })
          .where('id', '=', session.accountId)
          .execute();
        await trx.deleteFrom('opaque_logins').where('username', '=', username).execute();
        const { keyBackup } = request.body;
        if (keyBackup !== undefined) {
          // A conflict throws, and the transaction takes the new password back with it.
          await app.keys.writeBackup(
            session.accountId,
            keyBackup.backup,
            keyBackup.expectedVersion,
            {
              db: trx,
            },
          );
        }
        await app.activity.record(session.accountId, ActivityKind.passwordChanged, null, {
          db: trx,
        });
      });
      await app.sessions.revokeAllExcept(session.accountId, session.id);
      return reply.code(204).send();
    },
  );
}
