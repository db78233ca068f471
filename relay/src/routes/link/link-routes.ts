// Device linking (docs/relay.md, "Device linking"): the rendezvous mailbox — opened by a signed-in
// device, then readable by anyone holding the channel id (the new browser has no session yet) — and the one-time enrolment a signed-in device
// makes for the browser it links, which that browser redeems for a session of the account. The
// session is not bound to a device: the browser still has to register one under a device list
// signed by the account key, which only the existing device could give it — so a relay, which can
// always make sessions, still cannot add a device that contacts accept.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ActivityKind,
  LinkChannelParamsSchema,
  LinkEnrolmentReplySchema,
  LinkMessagesReplySchema,
  LinkPostBodySchema,
  LinkSignInBodySchema,
  SignedInReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { routePatternLog } from '../route-pattern-log';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';
import { TicketKind } from '../../auth/tickets';
import { RelayLinkTokenError } from '../../errors';

/**
 * Per-IP budgets. Both sides poll the channel about twice a second for at most a few minutes;
 * posts are a handful per link; enrolments and redemptions are one per link.
 */
export const LINK_RATE_LIMITS = {
  read: { max: 240, timeWindow: '1 minute' },
  post: { max: 30, timeWindow: '1 minute' },
  enrol: { max: 10, timeWindow: '1 minute' },
} as const;

export default async function linkRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/api/v1/link/:channel/:side',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { rateLimit: LINK_RATE_LIMITS.post },
      logSerializers: routePatternLog,
      schema: { params: LinkChannelParamsSchema, body: LinkPostBodySchema },
    },
    async (request, reply) => {
      const { channel, side } = request.params;
      // The existing side speaks as a registered device of its account (it opens the channel);
      // the new browser has no session yet and may only answer a channel that is open.
      let openedBy: number | undefined;
      if (side === 'existing') {
        await app.requireSession(request, reply);
        openedBy = app.keys.boundDevice(request.session!).accountId;
      }
      app.linkRendezvous.post(channel, side, request.body.message, openedBy);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/link/:channel/:side',
    {
      exposeHeadRoute: false,
      config: { rateLimit: LINK_RATE_LIMITS.read },
      logSerializers: routePatternLog,
      schema: { params: LinkChannelParamsSchema, response: { 200: LinkMessagesReplySchema } },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return {
        messages: [...app.linkRendezvous.read(request.params.channel, request.params.side)],
      };
    },
  );

  app.post(
    '/api/v1/link/enrolments',
    {
      preValidation: app.requireSession,
      config: { rateLimit: LINK_RATE_LIMITS.enrol },
      schema: { response: { 201: LinkEnrolmentReplySchema } },
    },
    async (request, reply) => {
      // Only a registered device of the account links another: a bare password session cannot.
      const { accountId } = app.keys.boundDevice(request.session!);
      await app.auth.tickets.sweepExpired();
      const ticket = await app.auth.tickets.issue({
        kind: TicketKind.deviceLink,
        accountId,
        sessionId: null,
      });
      return reply.code(201).send(ticket);
    },
  );

  app.post(
    '/api/v1/auth/link',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { rateLimit: RATE_LIMITS.signIn },
      schema: { body: LinkSignInBodySchema, response: { 200: SignedInReplySchema } },
    },
    async (request, reply) => {
      const ref = { kind: TicketKind.deviceLink, token: request.body.token, sessionId: null };
      const accountId = await app.auth.tickets.consume(ref);
      if (accountId === null) throw new RelayLinkTokenError();
      await app.sessions.start(request, reply, { accountId, method: 'device-link' });
      await app.activity.record(accountId, ActivityKind.signIn, 'device-link');
      return { status: 'signed-in' as const, account: await app.auth.summary(accountId) };
    },
  );
}
