// The account-key backup: one blob per account, encrypted by the client under its OPAQUE export key
// (so only someone who knows the password can open it), written with compare-and-set so two
// devices cannot silently overwrite each other's backup.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { KeyBackupPutBodySchema, KeyBackupSchema } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';

export default async function keyBackupRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/v1/account/key-backup',
    { schema: { response: { 200: KeyBackupSchema } } },
    (request) => app.keys.readBackup(request.session!.accountId),
  );

  app.put(
    '/api/v1/account/key-backup',
    {
      bodyLimit: BODY_LIMITS.keys,
      config: { rateLimit: RATE_LIMITS.change },
      schema: {
        body: KeyBackupPutBodySchema,
        response: { 200: Type.Object({ version: Type.Integer({ minimum: 1 }) }) },
      },
    },
    async (request) => ({
      version: await app.keys.writeBackup(
        request.session!.accountId,
        request.body.backup,
        request.body.expectedVersion,
      ),
    }),
  );
}
