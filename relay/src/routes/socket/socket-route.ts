// GET /api/v1/socket: the live mailbox. The upgrade is refused (HTTP 403/401, before any WebSocket
// exists) unless the Origin is on the allowlist and the session cookie names a live session bound
// to a device. Frames and close codes are in packages/wire/src/socket.ts; the connection's
// behaviour in socket/mailbox-connection.ts.
import type { FastifyInstance } from 'fastify';
import { RelayForbiddenOriginError } from '../../errors';
import { AckFlusher } from '../../socket/ack-flush';
import { MailboxConnection, SOCKET_BOUNDS } from '../../socket/mailbox-connection';

export default async function socketRoute(
  app: FastifyInstance,
  options: { allowedOrigins: readonly string[]; heartbeatMs?: number },
): Promise<void> {
  const allowed = new Set(options.allowedOrigins);
  const acks = new AckFlusher(SOCKET_BOUNDS.ackFlushMs);

  app.addHook('preValidation', async (request) => {
    // Browsers always send Origin on a WebSocket upgrade; a missing one is not a browser we serve.
    const origin = request.headers.origin;
    if (origin === undefined || !allowed.has(origin)) throw new RelayForbiddenOriginError();
  });
  app.addHook('preValidation', app.requireSession);
  app.addHook('preValidation', async (request) => {
    app.keys.boundDevice(request.session!);
  });

  app.get('/api/v1/socket', { websocket: true }, (socket, request) => {
    const session = request.session!;
    const connection = new MailboxConnection(socket, app.keys.boundDevice(session), session.id, {
      mailbox: app.mailbox,
      keys: app.keys,
      notifier: app.notifier,
      acks,
      log: request.log,
      stream: request.raw.socket,
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      onReady: (ready) => {
        app.socketHub.claimMailbox(ready);
      },
      onClose: (closed) => {
        app.socketHub.remove(closed);
      },
    });
    app.socketHub.add(connection);
    app.metrics.socketsOpen.inc();
  });
}
