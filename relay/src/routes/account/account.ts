// The signed-in account's own view of itself.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AccountSummarySchema } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { RelayUnauthenticatedError } from '../../errors';

export default async function accountRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/account',
    { preHandler: app.requireSession, schema: { response: { 200: AccountSummarySchema } } },
    async (request) => {
      const account = await app.db
        .selectFrom('accounts')
        .select(['username', 'created_at'])
        .where('id', '=', request.session!.accountId)
        .executeTakeFirst();
      if (account === undefined) throw new RelayUnauthenticatedError();
      return { username: account.username, createdAt: account.created_at };
    },
  );
}
