// Re-authentication inside a session: turns a fresh proof into a single-use re-auth token (five
// minutes, bound to this session) that a sensitive change then spends. The proof is the account's
// second factor — a TOTP code, a recovery code or a passkey — or, for an account without one, the
// password through OPAQUE (refused when a second factor exists, which must be used instead).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  LoginFinishBodySchema,
  LoginStartReplySchema,
  PasskeyReauthChallengeReplySchema,
  PasskeyReauthVerifyBodySchema,
  ReauthPasswordStartBodySchema,
  ReauthSecondFactorBodySchema,
  ReauthTokenReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';
import { TicketKind } from '../../auth/tickets';
import {
  RelayInvalidCredentialsError,
  RelayMalformedAuthError,
  RelayPasskeyError,
  RelayPasskeyNotFoundError,
  RelaySecondFactorError,
  RelayStepUpRequiredError,
} from '../../errors';

export default async function reauthRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = app;
  const signIn = { bodyLimit: BODY_LIMITS.small, config: { rateLimit: RATE_LIMITS.signIn } };
  const passkey = { config: { rateLimit: RATE_LIMITS.passkey } };

  app.post(
    '/api/v1/account/reauth/password/start',
    {
      ...signIn,
      schema: { body: ReauthPasswordStartBodySchema, response: { 200: LoginStartReplySchema } },
    },
    async (request) => {
      const session = request.session!;
      const factors = await auth.stepUp.factors(session.accountId);
      if (factors.totp || factors.passkeys > 0) {
        throw new RelayStepUpRequiredError('this account has a second factor: use it instead');
      }
      const { username } = await auth.summary(session.accountId);
      return auth.passwordLogin.start({
        username,
        startLoginRequest: request.body.startLoginRequest,
        purpose: { kind: 'reauth', sessionId: session.id },
      });
    },
  );

  app.post(
    '/api/v1/account/reauth/password/finish',
    {
      ...signIn,
      schema: { body: LoginFinishBodySchema, response: { 200: ReauthTokenReplySchema } },
    },
    async (request) => {
      const session = request.session!;
      const account = await auth.passwordLogin.finish({
        loginId: request.body.loginId,
        finishLoginRequest: request.body.finishLoginRequest,
        purpose: { kind: 'reauth', sessionId: session.id },
      });
      if (account?.id !== session.accountId) throw new RelayInvalidCredentialsError();
      await auth.lockout.reset(account.id);
      const ticket = await auth.tickets.issue({
        kind: TicketKind.reauthPassword,
        accountId: account.id,
        sessionId: session.id,
      });
      return { reauthToken: ticket.token, expiresAt: ticket.expiresAt };
    },
  );

  app.post(
    '/api/v1/account/reauth/second-factor',
    {
      ...signIn,
      schema: { body: ReauthSecondFactorBodySchema, response: { 200: ReauthTokenReplySchema } },
    },
    async (request) => {
      const session = request.session!;
      const { code, recoveryCode } = request.body;
      if ((code === undefined) === (recoveryCode === undefined))
        throw new RelayMalformedAuthError();
      const used = await auth.stepUp.checkSecondFactor(session.accountId, { code, recoveryCode });
      if (used === null) throw new RelaySecondFactorError();
      const ticket = await auth.tickets.issue({
        kind: TicketKind.reauthFactor,
        accountId: session.accountId,
        sessionId: session.id,
      });
      return { reauthToken: ticket.token, expiresAt: ticket.expiresAt };
    },
  );

  app.post(
    '/api/v1/account/reauth/passkey/options',
    {
      ...passkey,
      bodyLimit: BODY_LIMITS.small,
      schema: { response: { 200: PasskeyReauthChallengeReplySchema } },
    },
    async (request) => {
      const { accountId } = request.session!;
      if ((await auth.passkeys.count(accountId)) === 0) throw new RelayPasskeyNotFoundError();
      return auth.passkeys.assertionOptions({ kind: 'reauth', accountId });
    },
  );

  app.post(
    '/api/v1/account/reauth/passkey/verify',
    {
      ...passkey,
      bodyLimit: BODY_LIMITS.webauthn,
      schema: { body: PasskeyReauthVerifyBodySchema, response: { 200: ReauthTokenReplySchema } },
    },
    async (request) => {
      const session = request.session!;
      const accountId = await auth.passkeys.verifyAssertion({
        challengeId: request.body.challengeId,
        response: request.body.response,
        purpose: { kind: 'reauth', accountId: session.accountId },
      });
      if (accountId !== session.accountId) throw new RelayPasskeyError();
      const ticket = await auth.tickets.issue({
        kind: TicketKind.reauthFactor,
        accountId,
        sessionId: session.id,
      });
      return { reauthToken: ticket.token, expiresAt: ticket.expiresAt };
    },
  );
}
