// Suite 2, relay WebSocket (docs/security.md): hostile frames against a real listening relay over
// real `ws` connections — random text, truncated and oversized frames, invalid UTF-8, binary where
// text is expected, deep nesting, and hello/ack/ping frames with wrong types, missing and extra
// fields. A frame is either accepted (the socket still answers a ping) or the relay closes with one
// of its typed close codes — never 1011 (internal error) or a dropped connection.
import { SOCKET_CLOSE, SOCKET_LIMITS } from '@veil/wire';
import fc from 'fast-check';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../auth/test-support/auth-client';
import { registeredDevice } from '../keys/test-support/device-client';
import { Heartbeat } from '../socket/heartbeat';
import { MailboxConnection, type LiveSocket } from '../socket/mailbox-connection';
import { openSocket, readySocket, type TestSocket } from '../socket/test-support/socket-client';
import { startRelay, type TestRelay } from '../test-support/start-relay';
import {
  countingRejections,
  fuzzTable,
  memoryMark,
  SOAK_FACTOR,
  tallyRow,
  type FuzzRow,
  type Tally,
  SET_UP_MS,
} from './attack-report';
import { prng } from './hostile-requests';

// Each refused frame costs a new connection (the relay closes on the first bad frame).
const FRAMES = 1_500 * SOAK_FACTOR;
// The same frames straight into the connection's handler (no network, no upgrade per refusal).
const HANDLED = 100_000 * SOAK_FACTOR;
const TYPED_CLOSES = new Set<number>([...Object.values(SOCKET_CLOSE), 1007]);

let relay: TestRelay;
let cookie: string;
let deviceId: number;
const rows: FuzzRow[] = [];

beforeAll(async () => {
  relay = await startRelay({ VEIL_TRUST_PROXY: '1' });
  const registered = await registeredDevice(relay, 'socketfuzz', { oneTimeCount: 0 });
  cookie = registered.client.cookie!;
  deviceId = registered.device.deviceId;
}, SET_UP_MS);
afterAll(async () => {
  console.log(fuzzTable('Suite 2 — relay WebSocket frames', rows));
  await relay.stop();
});

type Next = (below: number) => number;
const pick = <T>(next: Next, items: readonly T[]): T => items[next(items.length)]!;
const WILD = [-1, 0, 1.5, 2 ** 53, '1', null, true, [], {}, 'x'.repeat(100)];

/** One hostile frame: a string (a text frame) or a Buffer (sent as binary, or as invalid text). */
function hostileFrame(seed: number): { data: string | Buffer; binary: boolean; kind: string } {
  const next = prng(seed);
  const type = pick(next, ['hello', 'ack', 'ping', 'envelope', 'HELLO', '']);
  switch (next(8)) {
    case 0:
      return { data: randomText(next, next(200)), binary: false, kind: 'random text' };
    case 1: {
      const valid = JSON.stringify({ type, after: 0, upTo: 1, nonce: 3 });
      return { data: valid.slice(0, next(valid.length)), binary: false, kind: 'truncated' };
    }
    case 2:
      return {
        data: JSON.stringify({
          type,
          pad: 'x'.repeat(SOCKET_LIMITS.maxClientFrameBytes + next(4000)),
        }),
        binary: false,
        kind: 'oversized',
      };
    case 3:
      return {
        data: Buffer.concat([
          Buffer.from(`{"type":"${type}","x":"`),
          Buffer.from([0xff, 0xc0, 0x80]),
          Buffer.from('"}'),
        ]),
        binary: false,
        kind: 'invalid UTF-8',
      };
    case 4:
      return { data: Buffer.from(JSON.stringify({ type: 'ping' })), binary: true, kind: 'binary' };
    case 5: {
      const depth = 100 + next(1500);
      return { data: '['.repeat(depth) + ']'.repeat(depth), binary: false, kind: 'deep nesting' };
    }
    default: {
      // Valid-shaped: the frame's fields with wrong types, one missing, or one extra.
      const frame: Record<string, unknown> = { type };
      for (const field of ['after', 'upTo', 'nonce'])
        if (next(2) === 0) frame[field] = pick(next, [...WILD, next(1000)]);
      if (next(4) === 0)
        frame[pick(next, ['extra', '__proto__', 'constructor'])] = pick(next, WILD);
      return { data: JSON.stringify(frame), binary: false, kind: 'shaped' };
    }
  }
}

function randomText(next: Next, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++)
    out += String.fromCharCode(next(4) === 0 ? next(0xd800) : 32 + next(95));
  return out;
}

describe('suite 2: relay WebSocket frames under hostile input', () => {
  it(`answers ${FRAMES} hostile frames with acceptance or a typed close`, async () => {
    const memory = memoryMark();
    const tally: Tally<{ code: number; kind: string }> = {
      inputs: 0,
      typed: 0,
      accepted: 0,
      bad: [],
    };
    let connections = 0;
    const connect = async (): Promise<TestSocket> => {
      const client = new AuthClient(relay, {
        'x-forwarded-for': `10.7.${(connections >> 8) & 255}.${connections++ & 255}`,
      });
      client.cookie = cookie;
      return openSocket(client);
    };
    await countingRejections(async (rejections) => {
      let socket = await connect();
      const seeds = fc.sample(fc.integer(), { numRuns: FRAMES, seed: 42 });
      for (const [i, seed] of seeds.entries()) {
        const frame = hostileFrame(seed);
        socket.ws.send(frame.data, { binary: frame.binary });
        socket.send({ type: 'ping', nonce: i });
        const outcome = await Promise.race([
          socket.closed.then((closed) => ({ closed })),
          socket.next('pong', 5000).then(() => ({ closed: null })),
        ]);
        tally.inputs++;
        if (outcome.closed === null) {
          tally.accepted++;
          continue;
        }
        if (TYPED_CLOSES.has(outcome.closed.code)) tally.typed++;
        else tally.bad.push({ code: outcome.closed.code, kind: frame.kind });
        socket = await connect();
      }
      await socket.close();
      rows.push(
        tallyRow(`WebSocket frames (${connections} connections)`, tally, rejections(), memory()),
      );
      expect(tally.bad.slice(0, 5)).toEqual([]);
      expect(rejections()).toBe(0);
    });
  }, 1_800_000);

  it(`answers ${HANDLED} hostile frames handed straight to the connection the same way`, async () => {
    const { id: accountId } = await relay.app.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', 'socketfuzz')
      .executeTakeFirstOrThrow();
    const memory = memoryMark();
    const tally: Tally<{ code: number; kind: string }> = {
      inputs: 0,
      typed: 0,
      accepted: 0,
      bad: [],
    };
    let connections = 0;
    await countingRejections(async (rejections) => {
      let socket = new FrameSink();
      let connection = socket.connect(accountId, deviceId);
      connections++;
      const seeds = fc.sample(fc.integer(), { numRuns: HANDLED, seed: 4242 });
      for (const [i, seed] of seeds.entries()) {
        const frame = hostileFrame(seed);
        socket.emit('message', frame.data, frame.binary);
        socket.emit('message', Buffer.from(JSON.stringify({ type: 'ping', nonce: i })), false);
        const outcome = await socket.outcome(i);
        tally.inputs++;
        if (outcome === 'pong') {
          tally.accepted++;
          continue;
        }
        if (TYPED_CLOSES.has(outcome)) tally.typed++;
        else tally.bad.push({ code: outcome, kind: frame.kind });
        socket = new FrameSink();
        connection = socket.connect(accountId, deviceId);
        connections++;
      }
      connection.close(1000, 'done');
      rows.push(
        tallyRow(
          `WebSocket frames, in-process handler (${connections} connections)`,
          tally,
          rejections(),
          memory(),
        ),
      );
      expect(tally.bad.slice(0, 5)).toEqual([]);
      expect(rejections()).toBe(0);
    });
  }, 1_800_000);

  it(
    'still answers a health check and a real client afterwards',
    async () => {
      expect((await fetch(`${relay.baseUrl}/healthz`)).status).toBe(200);
      const device = await registeredDevice(relay, 'afterwards', { oneTimeCount: 0 });
      const socket = await readySocket(device.client);
      await socket.close();
      // A sign-up and a socket took 7.5 s at the end of a soak run (vitest's default is 5 s).
    },
    SET_UP_MS,
  );
});

/**
 * The socket side of a MailboxConnection without a network: the test emits 'message' events as
 * ws would, and the sink records what the connection answers. Everything behind the connection
 * (mailbox, prekeys, notifier, SQLite) is the real relay's.
 */
class FrameSink extends EventEmitter {
  readonly bufferedAmount = 0;
  private closedWith: number | null = null;
  private readonly pongs = new Set<number>();
  private waiter: (() => void) | null = null;

  connect(accountId: number, deviceId: number): MailboxConnection {
    const { app } = relay;
    return new MailboxConnection(
      this as unknown as LiveSocket,
      { device: { accountId, deviceId }, sessionId: 0, log: app.log },
      {
        mailbox: app.mailbox,
        keys: app.keys,
        notifier: app.notifier,
        heartbeat: new Heartbeat(SOCKET_LIMITS.heartbeatMs),
        onReady: () => undefined,
        onClose: () => undefined,
      },
    );
  }

  send(data: string): void {
    const frame = JSON.parse(data) as { type: string; nonce?: number };
    if (frame.type === 'pong' && frame.nonce !== undefined) this.pongs.add(frame.nonce);
    this.waiter?.();
  }

  close(code: number): void {
    this.closedWith ??= code;
    this.emit('close', code);
    this.waiter?.();
  }

  terminate(): void {
    this.close(1006);
  }

  ping(): void {}

  /** The pong for `nonce`, or the close code that came first. */
  async outcome(nonce: number): Promise<'pong' | number> {
    for (;;) {
      if (this.closedWith !== null) return this.closedWith;
      if (this.pongs.has(nonce)) return 'pong';
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}
