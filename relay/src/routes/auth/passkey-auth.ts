// Passkey-only sign-in: a discoverable credential (the browser offers the passkeys it holds for this
// rpID; the relay names none) with user verification required, which makes it two factors in one.
// The password lockout does not apply here, so guessing at a password cannot lock its owner out.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ActivityKind,
  PasskeyLoginChallengeReplySchema,
  PasskeyLoginVerifyBodySchema,
  SignedInReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';
import { RelayPasskeyError } from '../../errors';

export default async function passkeyAuthRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = app;

  app.post(
    '/api/v1/auth/passkey/options',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { rateLimit: RATE_LIMITS.passkey },
      schema: { response: { 200: PasskeyLoginChallengeReplySchema } },
    },
    async () => auth.passkeys.assertionOptions({ kind: 'login' }),
  );

  app.post(
    '/api/v1/auth/passkey/verify',
    {
      bodyLimit: BODY_LIMITS.webauthn,
      config: { rateLimit: RATE_LIMITS.passkey },
      schema: { body: PasskeyLoginVerifyBodySchema, response: { 200: SignedInReplySchema } },
    },
    async (request, reply) => {
      const accountId = await auth.passkeys.verifyAssertion({
        challengeId: request.body.challengeId,
        response: request.body.response,
        purpose: { kind: 'login' },
      });
      if (accountId === null) throw new RelayPasskeyError();
      await app.sessions.start(request, reply, { accountId, method: 'passkey' });
      await app.activity.record(accountId, ActivityKind.signIn, 'passkey');
      return { status: 'signed-in' as const, account: await auth.summary(accountId) };
    },
  );
}
