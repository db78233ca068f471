// Sign-up with OPAQUE in two round trips; the password never leaves the browser. The operator's
// registration mode decides who may: anyone ('open'), holders of an invite code ('invite'), or
// nobody ('closed'). A taken username is refused at the first step, so register/start cannot be
// used to evaluate OPAQUE's OPRF on an existing account's key outside the login lockout.
import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ActivityKind,
  RegisterFinishBodySchema,
  RegisterStartBodySchema,
  RegisterStartReplySchema,
  SignedInReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { opaqueServer } from '../../auth/opaque';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';
import { normalizeUsername } from '../../auth/usernames';
import {
  checkRegistrationOpen,
  insertAccount,
  isUsernameTaken,
} from '../../auth/registration-gate';
import { RelayMalformedAuthError, RelayUsernameTakenError } from '../../errors';

export default async function registerRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = app;
  const routeOptions = {
    bodyLimit: BODY_LIMITS.small,
    config: { rateLimit: RATE_LIMITS.signUp },
  };

  app.post(
    '/api/v1/auth/register/start',
    {
      ...routeOptions,
      schema: { body: RegisterStartBodySchema, response: { 200: RegisterStartReplySchema } },
    },
    async (request) => {
      await checkRegistrationOpen(app, request.body.invite);
      const username = normalizeUsername(request.body.username);
      if (await isUsernameTaken(app.db, username)) throw new RelayUsernameTakenError();
      const server = await opaqueServer();
      try {
        return server.createRegistrationResponse({
          serverSetup: app.relayKeys.opaqueServerSetup,
          userIdentifier: username,
          registrationRequest: request.body.registrationRequest,
        });
      } catch {
        throw new RelayMalformedAuthError();
      }
    },
  );

  app.post(
    '/api/v1/auth/register/finish',
    {
      ...routeOptions,
      schema: { body: RegisterFinishBodySchema, response: { 200: SignedInReplySchema } },
    },
    async (request, reply) => {
      await checkRegistrationOpen(app, request.body.invite);
      const username = normalizeUsername(request.body.username);
      const accountId = await app.db.transaction().execute(async (trx) => {
        // The invite use, the account and its password commit together, or none does.
        const id = await insertAccount(app, trx, {
          username,
          invite: request.body.invite,
          webauthnUserId: randomBytes(16),
        });
        await trx
          .insertInto('password_records')
          .values({
            account_id: id,
            opaque_record: request.body.registrationRecord,
            updated_at: Date.now(),
          })
          .execute();
        await app.activity.record(id, ActivityKind.accountCreated, null, { db: trx });
        return id;
      });
      await app.sessions.start(request, reply, { accountId, method: 'password' });
      return { status: 'signed-in' as const, account: await auth.summary(accountId) };
    },
  );
}
