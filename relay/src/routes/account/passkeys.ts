// The account's passkeys: list, add (options then verify; adding needs a fresh proof, taken when
// the options are asked for), rename, remove (needs a fresh proof).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ActivityKind,
  PasskeyAddBodySchema,
  PasskeyCreationChallengeReplySchema,
  PasskeyCredentialIdParamsSchema,
  PasskeyListReplySchema,
  PasskeyRenameBodySchema,
  PasskeySummarySchema,
  StepUpBodySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';

/** Activity entries name a passkey by the start of its credential id, never by its user-set name. */
const shortId = (id: string): string => id.slice(0, 8);

export default async function passkeyRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = app;
  const change = { bodyLimit: BODY_LIMITS.small, config: { rateLimit: RATE_LIMITS.change } };

  app.get(
    '/api/v1/account/passkeys',
    { schema: { response: { 200: PasskeyListReplySchema } } },
    async (request) => ({ passkeys: await auth.passkeys.list(request.session!.accountId) }),
  );

  app.post(
    '/api/v1/account/passkeys/options',
    {
      ...change,
      schema: { body: StepUpBodySchema, response: { 200: PasskeyCreationChallengeReplySchema } },
    },
    async (request) => {
      const session = request.session!;
      await auth.stepUp.require(session, request.body);
      const { username } = await auth.summary(session.accountId);
      return auth.passkeys.registrationOptions({ id: session.accountId, username });
    },
  );

  app.post(
    '/api/v1/account/passkeys',
    {
      bodyLimit: BODY_LIMITS.webauthn,
      config: { rateLimit: RATE_LIMITS.passkey },
      schema: { body: PasskeyAddBodySchema, response: { 201: PasskeySummarySchema } },
    },
    async (request, reply) => {
      const { accountId } = request.session!;
      const passkey = await auth.passkeys.register({
        accountId,
        challengeId: request.body.challengeId,
        response: request.body.response,
        name: request.body.name,
      });
      await app.activity.record(accountId, ActivityKind.passkeyAdded, shortId(passkey.id));
      return reply.code(201).send(passkey);
    },
  );

  app.patch(
    '/api/v1/account/passkeys/:id',
    {
      ...change,
      schema: { params: PasskeyCredentialIdParamsSchema, body: PasskeyRenameBodySchema },
    },
    async (request, reply) => {
      const { accountId } = request.session!;
      await auth.passkeys.rename(accountId, request.params.id, request.body.name);
      await app.activity.record(accountId, ActivityKind.passkeyRenamed, shortId(request.params.id));
      return reply.code(204).send();
    },
  );

  app.delete(
    '/api/v1/account/passkeys/:id',
    { ...change, schema: { params: PasskeyCredentialIdParamsSchema, body: StepUpBodySchema } },
    async (request, reply) => {
      const session = request.session!;
      await auth.stepUp.require(session, request.body);
      await auth.passkeys.remove(session.accountId, request.params.id);
      await app.activity.record(
        session.accountId,
        ActivityKind.passkeyRemoved,
        shortId(request.params.id),
      );
      return reply.code(204).send();
    },
  );
}
