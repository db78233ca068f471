// TOTP for the signed-in account: enrol (returns only the otpauth:// URI; the seed is stored
// sealed and stays inactive), confirm with a first correct code (turns it on and returns the ten
// recovery codes, shown once), disable, and regenerate the recovery codes. Enrolling, disabling and
// regenerating need a fresh proof (auth/step-up.ts); confirming needs the code from the new seed.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ActivityKind,
  RecoveryCodesReplySchema,
  StepUpBodySchema,
  TotpConfirmBodySchema,
  TotpEnrolReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';
import { replaceRecoveryCodes } from '../../auth/recovery-codes';
import { RelaySecondFactorError, RelayTotpStateError } from '../../errors';

export default async function totpRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = app;
  const change = { bodyLimit: BODY_LIMITS.small, config: { rateLimit: RATE_LIMITS.change } };

  const requireTotpOn = async (accountId: number): Promise<void> => {
    if (!(await auth.stepUp.factors(accountId)).totp) throw new RelayTotpStateError('TOTP is off');
  };

  app.post(
    '/api/v1/account/totp/enrol',
    { ...change, schema: { body: StepUpBodySchema, response: { 200: TotpEnrolReplySchema } } },
    async (request) => {
      const session = request.session!;
      if ((await auth.stepUp.factors(session.accountId)).totp) {
        throw new RelayTotpStateError('TOTP is already on');
      }
      await auth.stepUp.require(session, request.body);
      const { username } = await auth.summary(session.accountId);
      return { otpauthUri: await auth.totp.enrol(session.accountId, username) };
    },
  );

  app.post(
    '/api/v1/account/totp/confirm',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { rateLimit: RATE_LIMITS.signIn },
      schema: { body: TotpConfirmBodySchema, response: { 200: RecoveryCodesReplySchema } },
    },
    async (request) => {
      const { accountId } = request.session!;
      const recoveryCodes = await auth.totp.confirm(accountId, request.body.code);
      if (recoveryCodes === null) throw new RelaySecondFactorError();
      await app.activity.record(accountId, ActivityKind.totpEnabled);
      return { recoveryCodes };
    },
  );

  app.post(
    '/api/v1/account/totp/disable',
    { ...change, schema: { body: StepUpBodySchema } },
    async (request, reply) => {
      const session = request.session!;
      await requireTotpOn(session.accountId);
      await auth.stepUp.require(session, request.body);
      await auth.totp.disable(session.accountId);
      await app.activity.record(session.accountId, ActivityKind.totpDisabled);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/account/totp/recovery-codes',
    { ...change, schema: { body: StepUpBodySchema, response: { 200: RecoveryCodesReplySchema } } },
    async (request) => {
      const session = request.session!;
      await requireTotpOn(session.accountId);
      await auth.stepUp.require(session, request.body);
      const recoveryCodes = await replaceRecoveryCodes(app.db, session.accountId);
      await app.activity.record(session.accountId, ActivityKind.recoveryCodesRegenerated);
      return { recoveryCodes };
    },
  );
}
