// Keeping an account's devices in step, against a real relay: a history transfer arrives byte for
// byte and twice adds nothing; contact changes (add, mute, block, verify, remove) follow to the
// other device; a sync record from someone else's device changes nothing.
import { encodeSyncRecord, loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addTestDevice, newTestDevice, until, type TestDevice } from '../test-support/test-device';

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

const values = async (device: TestDevice, peer: string) =>
  (await device.messenger.history(peer, { limit: 100 })).map((m) => m.value);

describe('sync between own devices', () => {
  it('transfers history intact and once, and follows contact changes', async () => {
    const first = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await first.addContact('bob');
    await bob.addContact('alice');
    const sockets = [first.connect(), bob.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');
    await bob.messenger.sendText('alice', 'before the new device');
    await until(async () => (await values(first, 'bob')).length === 1, 'alice has it');
    await first.messenger.sendText('bob', 'and an answer');
    await until(async () => (await values(bob, 'alice')).length === 2, 'bob has it');

    const second = await addTestDevice(p, relay, 'alice');
    sockets.push(second.connect());
    await until(() => sockets[2]!.state === 'open', 'second online');
    expect(await values(second, 'bob')).toEqual([]);

    expect(await first.sync.sendHistory({ range: 'all' })).toBe(2);
    await until(async () => (await values(second, 'bob')).length === 2, 'history arrived');
    const strip = (m: { storedAt: number }) => ({ ...m, storedAt: 0 });
    expect((await values(second, 'bob')).map(strip)).toEqual(
      (await values(first, 'bob')).map(strip),
    );
    // Twice (one conversation this time): nothing is added again.
    await first.sync.sendHistory({ range: '7d', peer: 'bob' });
    const carol = await newTestDevice(p, relay, 'carol');
    // Contact changes follow: each arrives after the transfer (one session, in order).
    await first.setMuted('bob', true);
    await first.setBlocked('bob', true);
    await first.setVerified('bob', true);
    await first.addContact('carol');
    await until(async () => (await second.contacts.get('carol')) !== undefined, 'carol adopted');
    expect(await values(second, 'bob')).toHaveLength(2);
    expect(await second.contacts.get('bob')).toMatchObject({
      muted: true,
      blocked: true,
      verified: true,
    });
    expect((await second.contacts.get('carol'))?.accountKey).toEqual(
      (await carol.keys.identity()).account.accountKey,
    );
    await first.removeContact('carol');
    await until(async () => (await second.contacts.get('carol')) === undefined, 'carol removed');
    for (const socket of sockets) socket.stop();
  }, 60_000);

  it('ignores a sync record from a device that is not ours', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await alice.addContact('bob');
    await bob.addContact('alice');
    const sockets = [alice.connect(), bob.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');
    const bobKey = (await bob.keys.identity()).account.accountKey;
    const forged = encodeSyncRecord({
      kind: 'contact',
      peer: 'bob',
      accountKey: bobKey,
      present: true,
      blocked: false,
      muted: true,
      verified: true,
    });
    await bob.messenger.sendContent('alice', {
      type: 'sync',
      messageId: p.randomBytes(16),
      sentAt: Date.now(),
      record: forged,
    });
    // A text after it, on the same session: once it is here, the sync record was handled.
    await bob.messenger.sendText('alice', 'after the forged sync');
    await until(async () => (await values(alice, 'bob')).length === 1, 'text arrived');
    expect(await alice.contacts.get('bob')).toMatchObject({ muted: false, verified: false });
    for (const socket of sockets) socket.stop();
  }, 30_000);
});
