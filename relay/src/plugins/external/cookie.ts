// Cookie parsing and setting (@fastify/cookie); sessions are the only cookie the relay sets.
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function cookies(app: FastifyInstance): Promise<void> {
  await app.register(cookie);
}

export default fp(cookies, { name: 'cookie' });
