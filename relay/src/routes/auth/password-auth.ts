// Password sign-in with OPAQUE (auth/password-login.ts), then the second factor when the account
// has TOTP on. Every refusal of a password looks the same: unknown user, wrong password, locked
// account, expired or reused login state all answer 401 RELAY_ERR_INVALID_CREDENTIALS.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ActivityKind,
  LoginFinishBodySchema,
  LoginFinishReplySchema,
  LoginStartBodySchema,
  LoginStartReplySchema,
  SecondFactorBodySchema,
  SecondFactorMethod,
  SignedInReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';
import { TicketKind } from '../../auth/tickets';
import { normalizeUsername } from '../../auth/usernames';
import {
  RelayInvalidCredentialsError,
  RelayLoginExpiredError,
  RelayMalformedAuthError,
  RelaySecondFactorError,
} from '../../errors';

export default async function passwordAuthRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = app;
  const routeOptions = { bodyLimit: BODY_LIMITS.small, config: { rateLimit: RATE_LIMITS.signIn } };

  app.post(
    '/api/v1/auth/login/start',
    {
      ...routeOptions,
      schema: { body: LoginStartBodySchema, response: { 200: LoginStartReplySchema } },
    },
    async (request) =>
      auth.passwordLogin.start({
        username: normalizeUsername(request.body.username),
        startLoginRequest: request.body.startLoginRequest,
        purpose: { kind: 'sign-in' },
      }),
  );

  app.post(
    '/api/v1/auth/login/finish',
    {
      ...routeOptions,
      schema: { body: LoginFinishBodySchema, response: { 200: LoginFinishReplySchema } },
    },
    async (request, reply) => {
      await auth.tickets.sweepExpired();
      const account = await auth.passwordLogin.finish({
        loginId: request.body.loginId,
        finishLoginRequest: request.body.finishLoginRequest,
        purpose: { kind: 'sign-in' },
      });
      if (account === null) throw new RelayInvalidCredentialsError();
      if (account.totp_enabled === 1) {
        const pending = await auth.tickets.issue({
          kind: TicketKind.pendingLogin,
          accountId: account.id,
          sessionId: null,
        });
        return {
          status: 'second-factor' as const,
          pendingToken: pending.token,
          methods: [SecondFactorMethod.totp, SecondFactorMethod.recoveryCode],
        };
      }
      await auth.lockout.reset(account.id);
      await app.sessions.start(request, reply, { accountId: account.id, method: 'password' });
      await app.activity.record(account.id, ActivityKind.signIn, 'password');
      return { status: 'signed-in' as const, account: await auth.summary(account.id) };
    },
  );

  app.post(
    '/api/v1/auth/login/second-factor',
    {
      ...routeOptions,
      schema: { body: SecondFactorBodySchema, response: { 200: SignedInReplySchema } },
    },
    async (request, reply) => {
      const { pendingToken, code, recoveryCode } = request.body;
      if ((code === undefined) === (recoveryCode === undefined))
        throw new RelayMalformedAuthError();
      const ref = { kind: TicketKind.pendingLogin, token: pendingToken, sessionId: null };
      // The attempt is spent before the code is checked, so parallel guesses share the budget.
      const accountId = await auth.tickets.spendAttempt(ref);
      if (accountId === null) throw new RelayLoginExpiredError();
      const used = await auth.stepUp.checkSecondFactor(accountId, { code, recoveryCode });
      if (used === null) throw new RelaySecondFactorError();
      if ((await auth.tickets.consume(ref)) !== accountId) throw new RelayLoginExpiredError();
      await auth.lockout.reset(accountId);
      const method = `password+${used}`;
      await app.sessions.start(request, reply, { accountId, method });
      await app.activity.record(accountId, ActivityKind.signIn, method);
      return { status: 'signed-in' as const, account: await auth.summary(accountId) };
    },
  );
}
