// Everything under /api/v1/account: the signed-in owner's view and control of their account.
// One preValidation hook for all of them: no session, no access (401 RELAY_ERR_UNAUTHENTICATED).
import type { FastifyInstance } from 'fastify';
import accountRoutes from './account';
import activityRoutes from './activity';
import keyBackupRoutes from './key-backup';
import passkeyRoutes from './passkeys';
import passwordRoutes from './password';
import reauthRoutes from './reauth';
import sessionRoutes from './sessions';
import totpRoutes from './totp';

export default async function accountAreaRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preValidation', app.requireSession);
  await app.register(accountRoutes);
  await app.register(sessionRoutes);
  await app.register(reauthRoutes);
  await app.register(totpRoutes);
  await app.register(passkeyRoutes);
  await app.register(passwordRoutes);
  await app.register(activityRoutes);
  await app.register(keyBackupRoutes);
}
