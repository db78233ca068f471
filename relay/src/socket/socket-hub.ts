// Every live socket, by session and by device, as `app.socketHub`: it closes a session's sockets
// when the session ends (4001), a removed device's sockets (4003), and the older socket when a
// device opens a second one (4409: one reader per mailbox, or both would get every envelope).
import { SOCKET_CLOSE } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { MailboxConnection } from './mailbox-connection';

export interface SocketHub {
  add(connection: MailboxConnection): void;
  /** Called when `connection` said hello: it now owns its device's mailbox. */
  claimMailbox(connection: MailboxConnection): void;
  remove(connection: MailboxConnection): void;
  readonly size: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    socketHub: SocketHub;
  }
}

const deviceKey = (accountId: number, deviceId: number) => `${accountId}:${deviceId}`;

async function socketHub(app: FastifyInstance): Promise<void> {
  const all = new Set<MailboxConnection>();
  const readers = new Map<string, MailboxConnection>();

  const hub: SocketHub = {
    add(connection) {
      all.add(connection);
    },
    claimMailbox(connection) {
      const key = deviceKey(connection.device.accountId, connection.device.deviceId);
      const previous = readers.get(key);
      readers.set(key, connection);
      if (previous !== undefined && previous !== connection) {
        previous.close(SOCKET_CLOSE.replaced, 'another socket of this device took over');
      }
    },
    remove(connection) {
      all.delete(connection);
      const key = deviceKey(connection.device.accountId, connection.device.deviceId);
      if (readers.get(key) === connection) readers.delete(key);
    },
    get size() {
      return all.size;
    },
  };

  app.sessionEvents.on('revoked', (sessionIds) => {
    const ended = new Set(sessionIds);
    for (const connection of [...all]) {
      if (ended.has(connection.sessionId)) {
        connection.close(SOCKET_CLOSE.sessionEnded, 'session ended');
      }
    }
  });
  app.keys.events.on('devices-removed', (accountId, deviceIds) => {
    for (const connection of [...all]) {
      if (
        connection.device.accountId === accountId &&
        deviceIds.includes(connection.device.deviceId)
      ) {
        connection.close(SOCKET_CLOSE.deviceRemoved, 'device removed');
      }
    }
  });
  app.decorate('socketHub', hub);
}

export default fp(socketHub, { name: 'socket-hub', dependencies: ['sessions', 'keys'] });
