// Passkey-only sign-up: the account's one factor is a discoverable passkey with user verification
// (possession plus a biometric or PIN), and there is no password. The first step reserves nothing:
// it checks the registration mode and the username and issues a creation challenge that remembers
// the username and a fresh random user handle; the second verifies the passkey and creates the
// account, its passkey and the invite use in one transaction.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ActivityKind,
  PasskeySignupChallengeReplySchema,
  PasskeySignupFinishBodySchema,
  PasskeySignupStartBodySchema,
  SignedInReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';
import {
  checkRegistrationOpen,
  insertAccount,
  isUsernameTaken,
} from '../../auth/registration-gate';
import { normalizeUsername } from '../../auth/usernames';
import { RelayUsernameTakenError } from '../../errors';

export default async function passkeySignupRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = app;

  app.post(
    '/api/v1/auth/register/passkey/options',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { rateLimit: RATE_LIMITS.signUp },
      schema: {
        body: PasskeySignupStartBodySchema,
        response: { 200: PasskeySignupChallengeReplySchema },
      },
    },
    async (request) => {
      await checkRegistrationOpen(app, request.body.invite);
      const username = normalizeUsername(request.body.username);
      if (await isUsernameTaken(app.db, username)) throw new RelayUsernameTakenError();
      return auth.passkeys.signupOptions(username);
    },
  );

  app.post(
    '/api/v1/auth/register/passkey/verify',
    {
      bodyLimit: BODY_LIMITS.webauthn,
      config: { rateLimit: RATE_LIMITS.signUp },
      schema: { body: PasskeySignupFinishBodySchema, response: { 200: SignedInReplySchema } },
    },
    async (request, reply) => {
      await checkRegistrationOpen(app, request.body.invite);
      const username = normalizeUsername(request.body.username);
      const verified = await auth.passkeys.verifySignup({
        challengeId: request.body.challengeId,
        username,
        response: request.body.response,
      });
      const accountId = await app.db.transaction().execute(async (trx) => {
        const id = await insertAccount(app, trx, {
          username,
          invite: request.body.invite,
          webauthnUserId: verified.userHandle,
        });
        await auth.passkeys.store(trx, {
          accountId: id,
          name: request.body.name,
          passkey: verified.passkey,
        });
        await app.activity.record(id, ActivityKind.accountCreated, null, { db: trx });
        await app.activity.record(id, ActivityKind.passkeyAdded, null, { db: trx });
        return id;
      });
      await app.sessions.start(request, reply, { accountId, method: 'passkey' });
      return { status: 'signed-in' as const, account: await auth.summary(accountId) };
    },
  );
}
