// Read state and settings follow the account, against a real relay: a 1:1 conversation or a group
// read on one device drops the unread count on the other, with no receipt to the contact when read
// receipts are off (turned off on the other device: the setting followed too); the latest settings
// change wins on both devices, and a stale one is ignored.
import { loadPrimitives, type Primitives } from '@veil/protocol';
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
/** The test's sockets, stopped even when it fails (a relay does not stop under open sockets). */
let live: { stop(): void }[] = [];
afterEach(async () => {
  for (const socket of live.splice(0)) socket.stop();
  await relay.stop();
});

/** Waits for something another device does: generous, as the machine running CI is shared. */
const arrive = (check: () => Promise<boolean> | boolean, what: string) =>
  until(check, what, 20_000);

const unread = async (device: TestDevice, peer: string): Promise<number> =>
  (await device.messenger.conversations()).find((c) => c.contact.accountId === peer)?.unread ?? 0;

const groupUnread = async (device: TestDevice, groupId: string): Promise<number> =>
  (await device.groups.list()).find((g) => g.groupId === groupId)?.unread ?? 0;

describe('account sync', () => {
  it('read state and settings follow the account; receipts stay off when turned off', async () => {
    const first = await newTestDevice(p, relay, 'alice');
    const second = await addTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await first.addContact('bob');
    await second.addContact('bob');
    await bob.addContact('alice');
    const sockets = [first.connect(), second.connect(), bob.connect()];
    live = sockets;
    await arrive(() => sockets.every((s) => s.state === 'open'), 'online');

    // 1:1: read on the first device, unread gone on the second; Bob sees it read (receipts on).
    const hello = await bob.messenger.sendText('alice', 'hello');
    await bob.messenger.sendText('alice', 'are you there?');
    for (const d of [first, second])
      await arrive(async () => (await unread(d, 'bob')) === 2, 'two');
    await first.messenger.markSeen('bob');
    await arrive(async () => (await unread(second, 'bob')) === 0, 'read on the second device');
    expect(second.events).toContainEqual({ type: 'read', conversation: 'direct:bob' });
    const seen = await second.messenger.history('bob', { limit: 10 });
    expect(seen.map((m) => m.value.seen)).toEqual([true, true]);
    await arrive(
      async () => (await bob.messenger.history('alice', { limit: 10 }))[0]?.value.mark === 'read',
      'receipt',
    );
    expect((await bob.messenger.history('alice', { limit: 10 }))[0]?.value.id).toBe(hello.id);

    // Groups too.
    const groupId = await first.groups.create('Climbing', ['bob']);
    await arrive(async () => (await bob.groups.state(groupId)) !== undefined, 'bob in the group');
    await arrive(async () => (await second.groups.state(groupId)) !== undefined, 'second knows it');
    await bob.groups.sendText(groupId, 'Saturday?');
    for (const d of [first, second]) {
      await arrive(async () => (await groupUnread(d, groupId)) === 1, 'group message');
    }
    await first.groups.markSeen(groupId);
    await arrive(
      async () => (await groupUnread(second, groupId)) === 0,
      'group read on the second',
    );

    // Settings: turned off on the second device, they are off on the first.
    await second.settings.update({ readReceipts: false, typingIndicators: true });
    await arrive(async () => !(await first.settings.get()).readReceipts, 'setting followed');
    expect(await first.settings.get()).toEqual({ readReceipts: false, typingIndicators: true });
    expect(first.events).toContainEqual({ type: 'settings' }); // so screens re-read them
    // The later change wins both ways; a stale one changes nothing.
    await first.settings.update({ typingIndicators: false });
    await arrive(async () => !(await second.settings.get()).typingIndicators, 'and back');
    const stamp = await second.settings.stamp();
    expect(stamp).toEqual(await first.settings.stamp());
    expect(
      await second.settings.applySynced(
        { readReceipts: true, typingIndicators: true },
        { changedAt: stamp.changedAt - 1, deviceId: 99 },
      ),
    ).toBe(false);
    expect((await second.settings.get()).readReceipts).toBe(false);

    // Receipts off: read on the first, cleared on the second, and Bob hears nothing of it.
    const quiet = await bob.messenger.sendText('alice', 'still there?');
    for (const d of [first, second])
      await arrive(async () => (await unread(d, 'bob')) === 1, 'one');
    await first.messenger.markSeen('bob');
    await arrive(async () => (await unread(second, 'bob')) === 0, 'read again on the second');
    // A message after it on the same sessions: once Bob has it, a receipt would have come first.
    await first.messenger.sendText('bob', 'yes');
    await arrive(
      async () => (await bob.messenger.history('alice', { limit: 10 })).length === 4,
      'reply',
    );
    const marks = await bob.messenger.history('alice', { limit: 10 });
    expect(marks.find((m) => m.value.id === quiet.id)?.value.mark).toBe('delivered');
  }, 60_000);
});
