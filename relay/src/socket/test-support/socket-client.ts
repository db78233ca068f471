// A real `ws` client for relay tests: connects with the session cookie and an Origin, queues every
// frame the relay sends, and lets a test await the next frame (of a type) or the close.
import type { RelayFrame } from '@veil/wire';
import WebSocket from 'ws';
import type { AuthClient } from '../../auth/test-support/auth-client';

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export class TestSocket {
  readonly frames: RelayFrame[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<Closed>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse((data as Buffer).toString('utf8')) as RelayFrame);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Removes and returns the first queued frame of `type`, waiting up to `timeoutMs`. */
  async next<T extends RelayFrame['type']>(
    type: T,
    timeoutMs = 5000,
  ): Promise<Extract<RelayFrame, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex((frame) => frame.type === type);
      if (index >= 0) return this.frames.splice(index, 1)[0] as Extract<RelayFrame, { type: T }>;
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no ${type} frame within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` frames of `type` are queued (without removing them). */
  async collect(type: RelayFrame['type'], count: number, timeoutMs = 5000): Promise<RelayFrame[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.frames.filter((frame) => frame.type === type);
      if (matching.length >= count) return matching;
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) return matching;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<Closed> {
    this.ws.close();
    return this.closed;
  }
}

/** Opens the socket; resolves once open, or rejects with the HTTP status of a refused upgrade. */
export function openSocket(
  client: AuthClient,
  options: { origin?: string | null; path?: string } = {},
): Promise<TestSocket> {
  const url = `${client.relay.baseUrl.replace('http', 'ws')}${options.path ?? '/api/v1/socket'}`;
  const headers: Record<string, string> = { ...client.extraHeaders };
  const origin = options.origin === undefined ? client.relay.origin : options.origin;
  if (origin !== null) headers['origin'] = origin;
  if (client.cookie !== null) headers['cookie'] = client.cookie;
  const ws = new WebSocket(url, { headers });
  const socket = new TestSocket(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      resolve(socket);
    });
    ws.once('unexpected-response', (_request, response) => {
      reject(new Error(`upgrade refused: ${response.statusCode}`));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** Opens the socket and says hello; returns it once `ready` arrived. */
export async function readySocket(client: AuthClient, after = 0): Promise<TestSocket> {
  const socket = await openSocket(client);
  socket.send({ type: 'hello', after });
  await socket.next('ready');
  return socket;
}
