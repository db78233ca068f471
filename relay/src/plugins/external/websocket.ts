// WebSocket support (@fastify/websocket over ws). `maxPayload` is explicit: a client frame above it
// closes the socket with 1009 before the relay reads a byte of it. Compression stays off (it costs
// memory per socket, and compressed ciphertext gains nothing).
import websocket from '@fastify/websocket';
import { SOCKET_LIMITS } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function websockets(app: FastifyInstance): Promise<void> {
  await app.register(websocket, {
    options: { maxPayload: SOCKET_LIMITS.maxClientFrameBytes, perMessageDeflate: false },
  });
}

export default fp(websockets, { name: 'websocket' });
