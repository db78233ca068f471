// Sign-out: ends this session (its sockets close on the 'revoked' event) and clears the cookie.
import type { FastifyInstance } from 'fastify';

export default async function logoutRoutes(app: FastifyInstance): Promise<void> {
  app.post('/api/v1/auth/logout', { preHandler: app.requireSession }, async (request, reply) => {
    const session = request.session!;
    await app.sessions.revoke(session.accountId, [session.id]);
    app.sessions.clearCookie(reply);
    return reply.code(204).send();
  });
}
