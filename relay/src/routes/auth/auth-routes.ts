// Everything under /api/v1/auth: sign-up, password and passkey sign-in, the second factor, sign-out.
// Registered after the `auth` services plugin, whose services these routes share.
import type { FastifyInstance } from 'fastify';
import logoutRoutes from './logout';
import passkeyAuthRoutes from './passkey-auth';
import passkeySignupRoutes from './passkey-signup';
import passwordAuthRoutes from './password-auth';
import registerRoutes from './register';

export default async function authRoutes(app: FastifyInstance): Promise<void> {
  await app.register(registerRoutes);
  await app.register(passkeySignupRoutes);
  await app.register(passwordAuthRoutes);
  await app.register(passkeyAuthRoutes);
  await app.register(logoutRoutes);
}
