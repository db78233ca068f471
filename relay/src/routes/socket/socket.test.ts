// The live mailbox over a real `ws` client: upgrade checks (Origin, session, device), live push,
// resume after reconnect (every unacknowledged envelope exactly once), bounded in-flight
// envelopes, the close codes for bad frames, and sockets closing when their session ends.
import type { EnvelopeFrame } from '@veil/wire';
import { SOCKET_CLOSE } from '@veil/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeviceKeys, encodeDeviceList, toBase64Url } from '@veil/protocol';
import { AuthClient } from '../../auth/test-support/auth-client';
import {
  listFor,
  registeredDevice,
  registrationBody,
  type TestDevice,
} from '../../keys/test-support/device-client';
import {
  newClientId,
  randomBody,
  send,
  submit,
  submitBody,
} from '../../mailbox/test-support/envelopes';
import { SOCKET_BOUNDS } from '../../socket/mailbox-connection';
import { openSocket, readySocket } from '../../socket/test-support/socket-client';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

let relay: TestRelay;
let alice: TestDevice;
let bob: TestDevice;
const toBob = [{ username: 'bob', deviceId: 1 }];

beforeEach(async () => {
  relay = await startRelay();
  alice = await registeredDevice(relay, 'alice', { oneTimeCount: 0 });
  bob = await registeredDevice(relay, 'bob', { oneTimeCount: 0 });
});
afterEach(async () => {
  await relay.stop();
});

const seqs = (frames: readonly { type: string }[]) =>
  frames.filter((f): f is EnvelopeFrame => f.type === 'envelope').map((f) => f.seq);

describe('the upgrade', () => {
  it('is refused from a foreign origin, without an origin, without a session, or without a device', async () => {
    await expect(openSocket(bob.client, { origin: 'https://evil.example' })).rejects.toThrow(
      'upgrade refused: 403',
    );
    await expect(openSocket(bob.client, { origin: null })).rejects.toThrow('upgrade refused: 403');
    await expect(openSocket(new AuthClient(relay))).rejects.toThrow('upgrade refused: 401');
    const unbound = new AuthClient(relay);
    await unbound.login('bob', 'pw of bob');
    await expect(openSocket(unbound)).rejects.toThrow('upgrade refused: 403');
  });
});

describe('delivery', () => {
  it('pushes envelopes live once they are committed', async () => {
    const socket = await readySocket(bob.client);
    const sent = await send(alice.client, toBob, randomBody(2048));
    const frame = await socket.next('envelope');
    expect(frame.seq).toBe(1);
    expect(frame.body).toBe(sent.envelopes[0]!.body);
    await socket.close();
  });

  it('resumes after a reconnect with every unacknowledged envelope exactly once', async () => {
    const first = await readySocket(bob.client);
    for (let i = 0; i < 10; i++) await send(alice.client, toBob);
    expect(seqs(await first.collect('envelope', 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    first.send({ type: 'ack', upTo: 4 });
    // A ping after the ack: its pong proves the ack was handled before the socket goes.
    first.send({ type: 'ping', nonce: 1 });
    await first.next('pong');
    first.ws.terminate();
    await first.closed;

    for (let i = 0; i < 5; i++) await send(alice.client, toBob);
    const second = await readySocket(bob.client, 4);
    const frames = await second.collect('envelope', 11);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seqs(second.frames)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(frames).toHaveLength(11);
    await second.close();
  });

  it('deletes acknowledged envelopes after the ack flush delay, and when the socket closes', async () => {
    const mailbox = async () =>
      seqs(
        (
          await bob.client.call<{ envelopes: { seq: number }[] }>('GET', '/api/v1/mailbox')
        ).body.envelopes.map((envelope) => ({ type: 'envelope', ...envelope })),
      );
    const socket = await readySocket(bob.client);
    for (let i = 0; i < 6; i++) await send(alice.client, toBob);
    await socket.collect('envelope', 6);
    socket.send({ type: 'ack', upTo: 2 });
    await expect.poll(mailbox, { timeout: 5000 }).toEqual([3, 4, 5, 6]);
    socket.send({ type: 'ack', upTo: 5 });
    socket.send({ type: 'ping', nonce: 2 });
    await socket.next('pong');
    await socket.close();
    await expect.poll(mailbox, { timeout: 5000 }).toEqual([6]);
  });

  it('holds back envelopes beyond the unacknowledged bound until acks arrive', async () => {
    const total = SOCKET_BOUNDS.maxUnacked + 20;
    const bodies = Array.from({ length: total }, () => ({
      body: randomBody(64),
      to: toBob,
    }));
    for (let i = 0; i < bodies.length; i += 16) {
      const answer = await alice.client.call('POST', '/api/v1/messages', {
        clientId: newClientId(),
        envelopes: bodies.slice(i, i + 16),
      });
      expect(answer.status).toBe(200);
    }
    const socket = await readySocket(bob.client);
    await socket.collect('envelope', SOCKET_BOUNDS.maxUnacked);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seqs(socket.frames)).toHaveLength(SOCKET_BOUNDS.maxUnacked);
    socket.send({ type: 'ack', upTo: SOCKET_BOUNDS.maxUnacked });
    const all = await socket.collect('envelope', total);
    expect(seqs(all)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    await socket.close();
  });

  it('gives the mailbox to the newest socket of a device', async () => {
    const older = await readySocket(bob.client);
    const newer = await readySocket(bob.client);
    expect((await older.closed).code).toBe(SOCKET_CLOSE.replaced);
    await send(alice.client, toBob);
    expect((await newer.next('envelope')).seq).toBe(1);
    await newer.close();
  });
});

describe('bad frames', () => {
  const cases: [string, (socket: Awaited<ReturnType<typeof openSocket>>) => void, number][] = [
    [
      'not JSON',
      (s) => {
        s.send('{nope');
      },
      SOCKET_CLOSE.malformed,
    ],
    [
      'an unknown frame',
      (s) => {
        s.send({ type: 'subscribe', to: 'everyone' });
      },
      SOCKET_CLOSE.malformed,
    ],
    [
      'an ack before hello',
      (s) => {
        s.send({ type: 'ack', upTo: 1 });
      },
      SOCKET_CLOSE.malformed,
    ],
    [
      'a binary frame',
      (s) => {
        s.ws.send(Buffer.from([1, 2, 3]));
      },
      SOCKET_CLOSE.unsupportedData,
    ],
    [
      'an oversized frame',
      (s) => {
        s.send({ type: 'ping', pad: 'x'.repeat(8192) });
      },
      SOCKET_CLOSE.tooBig,
    ],
    [
      'a flood',
      (s) => {
        for (let i = 0; i < 200; i++) s.send({ type: 'ping' });
      },
      SOCKET_CLOSE.rateLimited,
    ],
  ];
  for (const [name, act, code] of cases) {
    it(`closes the socket on ${name} (${code}) and keeps serving`, async () => {
      const socket = await openSocket(bob.client);
      act(socket);
      expect((await socket.closed).code).toBe(code);
      const health = await fetch(`${relay.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      const again = await readySocket(bob.client);
      await again.close();
    });
  }
});

describe('session ends', () => {
  it('closes the sockets of a session that signs out, or is revoked', async () => {
    const socket = await readySocket(bob.client);
    const answer = await bob.client.call('POST', '/api/v1/auth/logout', {});
    expect(answer.status).toBe(204);
    expect((await socket.closed).code).toBe(SOCKET_CLOSE.sessionEnded);

    const aliceSocket = await readySocket(alice.client);
    const sessions = await alice.client.call<{ sessions: { id: number; current: boolean }[] }>(
      'GET',
      '/api/v1/account/sessions',
    );
    const current = sessions.body.sessions.find((s) => s.current)!;
    const other = new AuthClient(relay);
    await other.login('alice', 'pw of alice');
    const revoked = await other.call('DELETE', `/api/v1/account/sessions/${current.id}`);
    expect(revoked.status).toBe(204);
    expect((await aliceSocket.closed).code).toBe(SOCKET_CLOSE.sessionEnded);
  });

  it('closes the socket of a device the account removes, with its own code', async () => {
    const { p } = alice;
    const laptop = new AuthClient(relay);
    await laptop.login('alice', 'pw of alice');
    const device2 = createDeviceKeys(p, 2);
    const list2 = listFor(p, alice.account, [alice.device, device2], 2);
    await laptop.call(
      'POST',
      '/api/v1/devices',
      registrationBody(p, { account: alice.account, device: device2, list: list2, firstId: 50 }),
    );
    const laptopSocket = await readySocket(laptop);
    const list3 = listFor(p, alice.account, [alice.device], 3);
    await alice.client.call('PUT', '/api/v1/devices/list', {
      deviceList: toBase64Url(encodeDeviceList(list3)),
    });
    expect((await laptopSocket.closed).code).toBe(SOCKET_CLOSE.deviceRemoved);
  });
});

describe('prekey refills', () => {
  it('tells a device over its socket when its one-time prekeys run low', async () => {
    const socket = await readySocket(alice.client);
    const fetched = await bob.client.call('POST', '/api/v1/directory/alice/bundles', {});
    expect(fetched.status).toBe(200);
    const frame = await socket.next('prekeys-low');
    expect(frame.prekeys).toMatchObject({ oneTime: 0, pqOneTime: 0 });
    await socket.close();
  });
});

describe('device lists', () => {
  it('tells the other devices of a new list, names counters in a reply, and marks devices seen', async () => {
    const { p } = alice;
    const firstSocket = await readySocket(alice.client);
    const laptop = new AuthClient(relay);
    await laptop.login('alice', 'pw of alice');
    const device2 = createDeviceKeys(p, 2);
    const list2 = listFor(p, alice.account, [alice.device, device2], 2);
    await laptop.call(
      'POST',
      '/api/v1/devices',
      registrationBody(p, { account: alice.account, device: device2, list: list2, firstId: 50 }),
    );
    expect(await firstSocket.next('device-list')).toEqual({ type: 'device-list', counter: 2 });

    // A submission's reply names each account's current list counter (Bob's first, Alice's new).
    const both = submitBody([
      { username: 'bob', deviceId: 1 },
      { username: 'alice', deviceId: 1 },
    ]);
    expect((await submit(bob.client, both)).body.lists).toEqual([
      { username: 'bob', counter: 1 },
      { username: 'alice', counter: 2 },
    ]);

    // "Last seen" moves when a device connects (written after `ready`, not before it).
    await relay.app.db.updateTable('devices').set({ last_seen_at: 1 }).execute();
    const laptopSocket = await readySocket(laptop);
    const lastSeen = async () => {
      const own = await laptop.call<{
        devices: { deviceId: number; lastSeenAt: number | null }[];
      }>('GET', '/api/v1/devices');
      return new Map(own.body.devices.map((d) => [d.deviceId, d.lastSeenAt]));
    };
    await expect.poll(async () => (await lastSeen()).get(2), { timeout: 5000 }).toBeGreaterThan(1);
    expect((await lastSeen()).get(1)).toBe(1);

    // A rename by the laptop reaches the first device's socket, not the laptop's own.
    const renamed = listFor(p, alice.account, [alice.device, device2], 3);
    await laptop.call('PUT', '/api/v1/devices/list', {
      deviceList: toBase64Url(encodeDeviceList(renamed)),
    });
    expect(await firstSocket.next('device-list')).toEqual({ type: 'device-list', counter: 3 });
    laptopSocket.send({ type: 'ping', nonce: 7 });
    await laptopSocket.next('pong');
    expect(laptopSocket.frames.some((f) => f.type === 'device-list')).toBe(false);
    await firstSocket.close();
    await laptopSocket.close();
  });
});
