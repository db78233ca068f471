// Sign-up with OPAQUE in two round trips; the password never leaves the browser. The operator's
// registration mode decides who may: anyone ('open'), holders of an invite code ('invite'), or
// nobody ('closed'). A taken username is refused at the first step, so register/start cannot be
// used to evaluate OPAQUE's OPRF on an existing account's key outside the login lockout.
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
  RelayInviteInvalidError,
  RelayMalformedAuthError,
  RelayRegistrationClosedError,
  RelayUsernameTakenError,
} from '../../errors';

export default async function registerRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = app;
  const routeOptions = {
    bodyLimit: BODY_LIMITS.small,
    config: { rateLimit: RATE_LIMITS.signUp },
  };

  const checkMode = async (invite: string | undefined): Promise<void> => {
    if (auth.registration === 'closed') throw new RelayRegistrationClosedError();
    if (auth.registration === 'invite') {
      if (invite === undefined || !(await app.invites.isUsable(invite))) {
        throw new RelayInviteInvalidError();
      }
    }
  };

  const isTaken = async (username: string): Promise<boolean> =>
    (await app.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirst()) !== undefined;

  app.post(
    '/api/v1/auth/register/start',
    {
      ...routeOptions,
      schema: { body: RegisterStartBodySchema, response: { 200: RegisterStartReplySchema } },
    },
    async (request) => {
      await checkMode(request.body.invite);
      const username = normalizeUsername(request.body.username);
      if (await isTaken(username)) throw new RelayUsernameTakenError();
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
      await checkMode(request.body.invite);
      const username = normalizeUsername(request.body.username);
      const accountId = await app.db.transaction().execute(async (trx) => {
        // The invite use and the account commit together, or neither does.
        if (auth.registration === 'invite') {
          if (!(await app.invites.consume(trx, request.body.invite ?? ''))) {
            throw new RelayInviteInvalidError();
          }
        }
        const inserted = await trx
          .insertInto('accounts')
          .values({
            username,
            opaque_record: request.body.registrationRecord,
            created_at: Date.now(),
          })
          .onConflict((conflict) => conflict.column('username').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (inserted === undefined) throw new RelayUsernameTakenError();
        await app.activity.record(inserted.id, ActivityKind.accountCreated, null, { db: trx });
        return inserted.id;
      });
      await app.sessions.start(request, reply, { accountId, method: 'password' });
      return { status: 'signed-in' as const, account: await auth.summary(accountId) };
    },
  );
}
