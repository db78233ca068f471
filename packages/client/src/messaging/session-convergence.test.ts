// Two complete clients through a real relay on 127.0.0.1, in the situations that used to break a
// conversation for good: both sending their first message at the same moment (each starts its own
// session), several such rounds, and one side losing its sessions (a reinstall) while the other
// keeps the old one. Every message must arrive exactly once, decrypted, and the two sides must end
// on one session.
import { decodeContent, loadPrimitives, toHex, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addContact, newTestDevice, until, type TestDevice } from '../test-support/test-device';

let p: Primitives;
let relay: TestRelay;
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay.stop();
});

interface Peer {
  readonly device: TestDevice;
  readonly name: string;
  /** Ids of every text the cipher opened: a text opened twice would appear twice. */
  readonly opened: string[];
  socket: { stop(): void; state: string } | null;
}

async function peer(name: string): Promise<Peer> {
  const device = await newTestDevice(p, relay, name);
  const opened: string[] = [];
  const decrypt = device.cipher.decrypt.bind(device.cipher);
  device.cipher.decrypt = async (sealed) => {
    const result = await decrypt(sealed);
    const content = decodeContent(result.plaintext);
    if (content.type === 'text') opened.push(toHex(content.messageId));
    return result;
  };
  return { device, name, opened, socket: null };
}

async function pair(): Promise<[Peer, Peer]> {
  const alice = await peer('alice');
  const bob = await peer('bob');
  await addContact(alice.device, 'bob');
  await addContact(bob.device, 'alice');
  return [alice, bob];
}

function connect(...peers: Peer[]): Promise<void> {
  for (const x of peers) x.socket ??= x.device.connect();
  return until(() => peers.every((x) => x.socket?.state === 'open'), 'online');
}

function disconnect(...peers: Peer[]): void {
  for (const x of peers) {
    x.socket?.stop();
    x.socket = null;
  }
}

async function history(x: Peer, other: Peer) {
  return (await x.device.messenger.history(other.name, { limit: 200 })).map((m) => m.value);
}

/** Sends without a socket and waits until the relay holds it (the outbox is empty). */
async function sendNow(from: Peer, to: Peer, text: string): Promise<void> {
  await from.device.messenger.sendText(to.name, text);
  await from.device.outbox.flush({ force: true });
  expect(await from.device.db.outbox.count()).toBe(0);
}

/** Waits until each side has received `expected` texts and every text sent got its receipt. */
async function settle(a: Peer, b: Peer, expected: { a: number; b: number }): Promise<void> {
  for (const [x, other, count] of [
    [a, b, expected.a],
    [b, a, expected.b],
  ] as const) {
    await until(
      async () => (await history(x, other)).filter((m) => m.direction === 'in').length === count,
      `${x.name} has ${count} texts`,
    );
  }
  for (const [x, other] of [
    [a, b],
    [b, a],
  ] as const) {
    await until(
      async () =>
        (await history(x, other)).every((m) => m.direction === 'in' || m.mark === 'delivered'),
      `${x.name}'s texts delivered`,
    );
  }
}

/** Nothing refused, each text opened exactly once, and both on the same current session. */
async function expectConverged(a: Peer, b: Peer): Promise<void> {
  for (const x of [a, b]) {
    expect(x.device.events.filter((e) => e.type === 'rejected')).toEqual([]);
    expect(new Set(x.opened).size).toBe(x.opened.length);
  }
  const ofA = await a.device.sessions.get({ accountId: b.name, deviceId: 1 });
  const ofB = await b.device.sessions.get({ accountId: a.name, deviceId: 1 });
  expect(toHex(ofA!.current.baseKey)).toBe(toHex(ofB!.current.baseKey));
}

async function inTexts(x: Peer, other: Peer): Promise<string[]> {
  return (await history(x, other))
    .filter((m) => m.direction === 'in')
    .map((m) => m.text)
    .sort();
}

/** Alternating messages, each waited for: the first reply settles both on one session. */
async function converse(a: Peer, b: Peer, rounds: number, received: { a: number; b: number }) {
  for (let i = 0; i < rounds; i++) {
    await a.device.messenger.sendText(b.name, `${a.name} ${i}`);
    await settle(a, b, { a: received.a, b: ++received.b });
    await b.device.messenger.sendText(a.name, `${b.name} ${i}`);
    await settle(a, b, { a: ++received.a, b: received.b });
  }
}

describe('session convergence', { timeout: 30_000 }, () => {
  it('both send the first message at the same moment, then talk on: nothing is lost', async () => {
    const [alice, bob] = await pair();
    // Neither is online, so neither can see the other's session start before starting its own.
    await Promise.all([sendNow(alice, bob, 'hi bob'), sendNow(bob, alice, 'hi alice')]);
    const aliceSession = await alice.device.sessions.get({ accountId: 'bob', deviceId: 1 });
    const bobSession = await bob.device.sessions.get({ accountId: 'alice', deviceId: 1 });
    expect(toHex(aliceSession!.current.baseKey)).not.toBe(toHex(bobSession!.current.baseKey));

    await connect(alice, bob);
    await settle(alice, bob, { a: 1, b: 1 });
    const received = { a: 1, b: 1 };
    await converse(alice, bob, 4, received);

    expect(await inTexts(bob, alice)).toEqual([
      'alice 0',
      'alice 1',
      'alice 2',
      'alice 3',
      'hi bob',
    ]);
    expect(await inTexts(alice, bob)).toEqual(['bob 0', 'bob 1', 'bob 2', 'bob 3', 'hi alice']);
    await expectConverged(alice, bob);
    // Each kept the session it started (archived), so a late message on it would still open.
    const record = await alice.device.sessions.get({ accountId: 'bob', deviceId: 1 });
    expect(record!.archived).toHaveLength(1);
    disconnect(alice, bob);
  });

  it('three rounds of simultaneous sends, then a conversation', async () => {
    const [alice, bob] = await pair();
    const received = { a: 0, b: 0 };
    for (let round = 0; round < 3; round++) {
      disconnect(alice, bob);
      await Promise.all([
        (async () => {
          await sendNow(alice, bob, `alice round ${round} a`);
          await sendNow(alice, bob, `alice round ${round} b`);
        })(),
        (async () => {
          await sendNow(bob, alice, `bob round ${round} a`);
          await sendNow(bob, alice, `bob round ${round} b`);
        })(),
      ]);
      received.a += 2;
      received.b += 2;
      await connect(alice, bob);
      await settle(alice, bob, received);
    }
    await converse(alice, bob, 3, received);
    expect(await inTexts(bob, alice)).toHaveLength(9);
    expect(await inTexts(alice, bob)).toHaveLength(9);
    await expectConverged(alice, bob);
    disconnect(alice, bob);
  });

  it('one side loses its sessions (a reinstall) and starts anew: both directions keep working', async () => {
    const [alice, bob] = await pair();
    await connect(alice, bob);
    const received = { a: 0, b: 0 };
    await converse(alice, bob, 2, received);
    const before = await alice.device.sessions.get({ accountId: 'bob', deviceId: 1 });

    // Bob's sessions are gone; Alice still holds the old one. Bob's next message starts a session.
    await bob.device.sessions.delete({ accountId: 'alice', deviceId: 1 });
    await bob.device.messenger.sendText('alice', 'back again');
    await settle(alice, bob, { a: ++received.a, b: received.b });
    const after = await alice.device.sessions.get({ accountId: 'bob', deviceId: 1 });
    expect(toHex(after!.current.baseKey)).not.toBe(toHex(before!.current.baseKey));
    expect(after!.archived.map((s) => toHex(s.baseKey))).toEqual([toHex(before!.current.baseKey)]);

    await converse(alice, bob, 3, received);
    expect(await inTexts(alice, bob)).toContain('back again');
    expect(await inTexts(alice, bob)).toHaveLength(received.a);
    expect(await inTexts(bob, alice)).toHaveLength(received.b);
    await expectConverged(alice, bob);
    disconnect(alice, bob);
  });
});
