// The load generator's devices: many WebSocket clients in this one process, each speaking the
// relay's socket protocol (hello → ready, envelopes, cumulative acks at most every ACK_EVERY_MS, as
// the relay's frame budget asks). Sockets are spread over loopback source addresses
// (127.0.1.x: all of 127/8 is local on Linux) so that the relay's per-address request budget
// sees many people, as it would in production, instead of one address opening thousands of
// sockets.

import { WebSocket } from 'ws';

export interface Delivery {
  /** Which client received it. */
  readonly client: number;
  /** The message number the sender wrote into the body's first four bytes. */
  readonly message: number;
  readonly at: number;
}

export interface LoadClient {
  readonly index: number;
  readonly socket: WebSocket;
  received: number;
  lastSeq: number;
}

export interface ClientTarget {
  /** ws:// URL of client i's socket. */
  readonly url: (index: number) => string;
  /** Headers of client i's upgrade (Cookie, Origin). */
  readonly headers: (index: number) => Record<string, string>;
}

const SOCKETS_PER_ADDRESS = 100;
const CONNECTS_IN_FLIGHT = 100;
const ACK_EVERY_MS = 100;

function sourceAddress(index: number): string {
  const slot = Math.floor(index / SOCKETS_PER_ADDRESS);
  return `127.0.${String(1 + Math.floor(slot / 250))}.${String(1 + (slot % 250))}`;
}

/** The message number a load body carries (its first four bytes), from its base64url text. */
export function messageNumberOf(body: string): number {
  return Buffer.from(body.slice(0, 8), 'base64url').readUInt32BE(0);
}

export function loadBody(message: number, bytes: number): string {
  const body = Buffer.alloc(bytes);
  body.writeUInt32BE(message, 0);
  return body.toString('base64url');
}

interface Frame {
  readonly type: string;
  readonly seq?: number;
  readonly body?: string;
}

type Arrived = readonly [data: Buffer, at: number, handle: (frame: Frame, at: number) => void];
let arrived: Arrived[] = [];

/**
 * Every frame is parsed and checked, but after the poll phase that read it: a thousand devices
 * share this one process, and parsing each frame as it came would stamp the thousandth device's
 * copy after the load generator had parsed the 999 before it (for 4 KiB bodies, tens of
 * milliseconds), a cost that real devices pay in parallel, each on its own. The stamp is taken when
 * the frame has come off the socket, which is what a delivery's latency means; both servers are
 * measured the same way.
 */
function parseLater(...frame: Arrived): void {
  if (arrived.length === 0) setImmediate(parseArrived);
  arrived.push(frame);
}

function parseArrived(): void {
  const batch = arrived;
  arrived = [];
  for (const [data, at, handle] of batch) handle(JSON.parse(data.toString('utf8')) as Frame, at);
}

/**
 * Opens `count` clients (at most CONNECTS_IN_FLIGHT handshakes at once) and resolves when every one
 * is ready. `onDelivery` sees each envelope as it arrives.
 */
export async function connectClients(
  target: ClientTarget,
  count: number,
  onDelivery: (delivery: Delivery) => void,
): Promise<LoadClient[]> {
  const clients: LoadClient[] = new Array<LoadClient>(count);
  let next = 0;
  const connectOne = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(target.url(index), {
        headers: target.headers(index),
        localAddress: sourceAddress(index),
        perMessageDeflate: false,
      });
      const client: LoadClient = { index, socket, received: 0, lastSeq: 0 };
      clients[index] = client;
      let ackTimer: NodeJS.Timeout | undefined;
      let acked = 0;
      const ack = () => {
        ackTimer = undefined;
        if (client.lastSeq > acked && socket.readyState === WebSocket.OPEN) {
          acked = client.lastSeq;
          socket.send(JSON.stringify({ type: 'ack', upTo: acked }));
        }
      };
      socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', after: 0 })));
      socket.on('message', (data: Buffer) => {
        // Stamped on arrival; parsed a moment later with whatever else arrived (see parseLater).
        parseLater(data, performance.now(), (frame, at) => {
          if (frame.type === 'ready') resolve();
          else if (frame.type === 'envelope') {
            client.received += 1;
            client.lastSeq = Math.max(client.lastSeq, frame.seq!);
            onDelivery({ client: index, message: messageNumberOf(frame.body!), at });
            ackTimer ??= setTimeout(ack, ACK_EVERY_MS);
          }
        });
      });
      socket.on('close', (code) => {
        if (ackTimer !== undefined) clearTimeout(ackTimer);
        reject(new Error(`client ${String(index)} closed before ready (${String(code)})`));
      });
      socket.on('error', reject);
    });
  const worker = async () => {
    while (next < count) await connectOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(CONNECTS_IN_FLIGHT, count) }, worker));
  return clients;
}

export async function closeClients(clients: readonly LoadClient[]): Promise<void> {
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client.socket.readyState === WebSocket.CLOSED) resolve();
          else {
            client.socket.once('close', () => resolve());
            client.socket.close(1000);
          }
        }),
    ),
  );
}
