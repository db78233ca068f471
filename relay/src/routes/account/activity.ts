// The account's security activity log, newest first, a page at a time.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ActivityPageReplySchema, ActivityQuerySchema } from '@veil/wire';
import type { FastifyInstance } from 'fastify';

const DEFAULT_PAGE = 50;

export default async function activityRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/v1/account/activity',
    { schema: { querystring: ActivityQuerySchema, response: { 200: ActivityPageReplySchema } } },
    (request) =>
      app.activity.page(request.session!.accountId, {
        before: request.query.before,
        limit: request.query.limit ?? DEFAULT_PAGE,
      }),
  );
}
