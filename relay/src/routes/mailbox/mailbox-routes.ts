// The mailbox over HTTP: submit envelopes (any signed-in session), read and acknowledge this
// device's mailbox (a session bound to a device). The socket (routes/socket) pushes the same
// envelopes live; these routes serve clients without a socket and the tests.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  AckBodySchema,
  MailboxPageSchema,
  MailboxQuerySchema,
  SubmitBodySchema,
  SubmitConflictReplySchema,
  SubmitReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';
import { RelayUnknownDevicesError } from '../../mailbox/recipients';

export default async function mailboxRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.requireSession);
  const config = { rateLimit: RATE_LIMITS.mailbox };

  app.post(
    '/api/v1/messages',
    {
      bodyLimit: BODY_LIMITS.submit,
      config,
      schema: {
        body: SubmitBodySchema,
        response: { 200: SubmitReplySchema, 409: SubmitConflictReplySchema },
      },
    },
    async (request, reply) => {
      try {
        return await app.mailbox.submit(request.body);
      } catch (error) {
        if (error instanceof RelayUnknownDevicesError) {
          return reply.code(409).send(error.toReply());
        }
        throw error;
      }
    },
  );

  app.get(
    '/api/v1/mailbox',
    { config, schema: { querystring: MailboxQuerySchema, response: { 200: MailboxPageSchema } } },
    (request) =>
      app.mailbox.read(
        app.keys.boundDevice(request.session!),
        request.query.after ?? 0,
        request.query.limit,
      ),
  );

  app.post(
    '/api/v1/mailbox/ack',
    {
      bodyLimit: BODY_LIMITS.small,
      config,
      schema: {
        body: AckBodySchema,
        response: { 200: Type.Object({ deleted: Type.Integer({ minimum: 0 }) }) },
      },
    },
    async (request) => ({
      deleted: await app.mailbox.ack(app.keys.boundDevice(request.session!), request.body.upTo),
    }),
  );
}
