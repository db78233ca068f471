// The relay's one heartbeat timer: every connection on it is pinged once per interval (spread
// over it), one that did not answer the ping before is ended, and the timer runs only while some
// connection is on it.
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from './heartbeat';
import { MailboxConnection, type ConnectionDeps, type LiveSocket } from './mailbox-connection';

const BEAT_MS = 1000;

/** A socket that counts pings and terminations, and answers pings while `answering`. */
class PeerSocket extends EventEmitter {
  readonly bufferedAmount = 0;
  pings = 0;
  terminated = false;
  answering = true;

  ping(): void {
    this.pings += 1;
    if (this.answering) queueMicrotask(() => this.emit('pong'));
  }

  terminate(): void {
    this.terminated = true;
    this.emit('close');
  }

  send(): void {}
  close(): void {}
}

function connect(heartbeat: Heartbeat): PeerSocket {
  const socket = new PeerSocket();
  // The heartbeat never reaches the mailbox, keys or notifier: a socket that never said hello.
  const deps = {
    heartbeat,
    onReady: () => undefined,
    onClose: () => undefined,
  } as unknown as ConnectionDeps;
  const log = { debug: () => undefined, error: () => undefined };
  new MailboxConnection(
    socket as unknown as LiveSocket,
    { device: { accountId: 1, deviceId: 1 }, sessionId: 0, log: log as never },
    deps,
  );
  return socket;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Heartbeat', () => {
  it('pings every socket each beat and ends one that stopped answering', async () => {
    const heartbeat = new Heartbeat(BEAT_MS);
    const live = connect(heartbeat);
    const silent = connect(heartbeat);
    silent.answering = false;
    expect(vi.getTimerCount()).toBe(1);

    await vi.advanceTimersByTimeAsync(BEAT_MS);
    expect([live.pings, silent.pings]).toEqual([1, 1]);
    expect(silent.terminated).toBe(false);

    await vi.advanceTimersByTimeAsync(BEAT_MS);
    expect(silent.terminated).toBe(true);
    expect(live.terminated).toBe(false);

    await vi.advanceTimersByTimeAsync(5 * BEAT_MS);
    expect(live.pings).toBe(7);
    expect(live.terminated).toBe(false);
    expect(silent.pings).toBe(1);
  });

  it('runs its timer only while a socket is on it', async () => {
    const heartbeat = new Heartbeat(BEAT_MS);
    const socket = connect(heartbeat);
    expect(vi.getTimerCount()).toBe(1);
    socket.answering = false;
    await vi.advanceTimersByTimeAsync(2 * BEAT_MS);
    expect(socket.terminated).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    connect(heartbeat);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('spreads the pings over the interval rather than sending them all at once', async () => {
    const heartbeat = new Heartbeat(BEAT_MS);
    const sockets = Array.from({ length: 20 }, () => connect(heartbeat));
    const pings = () => sockets.reduce((sum, socket) => sum + socket.pings, 0);
    await vi.advanceTimersByTimeAsync(BEAT_MS / 10);
    expect(pings()).toBe(2);
    await vi.advanceTimersByTimeAsync(BEAT_MS - BEAT_MS / 10);
    expect(sockets.every((socket) => socket.pings === 1)).toBe(true);
  });
});
