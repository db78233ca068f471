// GET /api/v1/socket: the live mailbox. The upgrade is refused (HTTP 403/401, before any WebSocket
// exists) unless the Origin is on the allowlist and the session cookie names a live session bound
// to a device. Frames and close codes are in packages/wire/src/socket.ts; the connection's
// behaviour in socket/mailbox-connection.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SOCKET_LIMITS } from '@veil/wire';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RelayForbiddenOriginError } from '../../errors';
import { AckFlusher } from '../../socket/ack-flush';
import { Heartbeat } from '../../socket/heartbeat';
import {
  MailboxConnection,
  SOCKET_BOUNDS,
  type ConnectionDeps,
} from '../../socket/mailbox-connection';
import { TurnCork } from '../../socket/turn-cork';

export default async function socketRoute(
  app: FastifyInstance,
  options: { allowedOrigins: readonly string[]; heartbeatMs?: number },
): Promise<void> {
  const allowed = new Set(options.allowedOrigins);
  // One object and one of each timer for every connection (mailbox-connection.ts, ConnectionDeps).
  const deps: ConnectionDeps = {
    mailbox: app.mailbox,
    keys: app.keys,
    notifier: app.notifier,
    acks: new AckFlusher(SOCKET_BOUNDS.ackFlushMs),
    heartbeat: new Heartbeat(options.heartbeatMs ?? SOCKET_LIMITS.heartbeatMs),
    turn: new TurnCork(),
    onReady: (ready) => {
      app.socketHub.claimMailbox(ready);
    },
    onClose: (closed) => {
      app.socketHub.remove(closed);
    },
  };

  app.addHook('preValidation', async (request) => {
    // Browsers always send Origin on a WebSocket upgrade; a missing one is not a browser we serve.
    const origin = request.headers.origin;
    if (origin === undefined || !allowed.has(origin)) throw new RelayForbiddenOriginError();
  });
  app.addHook('preValidation', app.requireSession);
  app.addHook('preValidation', async (request) => {
    app.keys.boundDevice(request.session!);
  });
  const upgradeResponses = new WeakMap<IncomingMessage, ServerResponse>();
  app.addHook('preValidation', async (request, reply) => {
    upgradeResponses.set(request.raw, reply.raw);
  });

  app.get('/api/v1/socket', { websocket: true }, (socket, request) => {
    const session = request.session!;
    // The library's error listeners, taken now and removed once the connection listens itself,
    // so the socket is never without one (an 'error' with no listener would end the process).
    const libraryListeners = socket.listeners('error');
    const connection = new MailboxConnection(
      socket,
      {
        device: app.keys.boundDevice(session),
        sessionId: session.id,
        log: request.log,
        stream: request.raw.socket,
      },
      deps,
    );
    releaseUpgrade(request, upgradeResponses.get(request.raw));
    for (const listener of libraryListeners)
      socket.removeListener('error', listener as (...args: unknown[]) => void);
    app.socketHub.add(connection);
    app.metrics.socketsOpen.inc();
  });
}

/**
 * @fastify/websocket keeps each upgrade's request and its stand-in response reachable for as long
 * as the socket lives: the response stays assigned to the TCP socket (it routes the upgrade
 * through Fastify with one), and the library's 'error' listener closes over both. With them stay
 * their headers, the session cookie among them: a third of an idle socket's memory, measured on
 * heap snapshots. Once the WebSocket is up neither is needed. The response is detached here
 * (assignSocket's counterpart) and the handler removes the library's listeners: the connection
 * listens for errors itself and ends the socket as that listener did (terminate; it logs at debug
 * level, since a socket error is a client's bad frame or a broken connection, not the relay's).
 */
function releaseUpgrade(request: FastifyRequest, response: ServerResponse | undefined): void {
  const tcp = request.raw.socket;
  if (response !== undefined && response.socket === tcp) response.detachSocket(tcp);
}
