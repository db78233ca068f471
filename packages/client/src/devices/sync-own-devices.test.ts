// Keeping an account's devices in step, against a real relay: a history transfer arrives byte for
// byte and twice adds nothing; contact changes (add, mute, block, verify, remove) follow to the
// other device; a sync record from someone else's device changes nothing. The transfer's account
// state obeys the rules of live changes: an invite secret kept by an admin who has since left the
// group is not taken over, and a mute changed on the new device is not undone by a later transfer
// made from older state.
import { encodeSyncRecord, loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MUTED_ALWAYS } from '../groups/group-mutes';
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
    // Bob's group, where Alice was an admin and made the link, then left: her device still holds
    // a secret that matches the group's link key, but she is no admin there any more.
    const groupId = await bob.groups.create('Board', ['alice']);
    await until(async () => (await first.groups.state(groupId)) !== undefined, 'alice joined');
    await bob.groups.promote(groupId, 'alice');
    await until(
      async () => (await first.groups.state(groupId))?.admins.includes('alice') === true,
      'alice promoted',
    );
    await first.groups.invites.createLink(groupId, 'https://veil.test');
    await first.groups.leave(groupId);
    expect((await first.groups.invites.exportInvite(groupId))?.secret).toBeInstanceOf(Uint8Array);
    await first.setGroupMuted(groupId, MUTED_ALWAYS);

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
    // The account state is taken in last, after the groups.
    await until(
      async () => (await second.groups.mutes.mutedUntil(groupId, Date.now())) === MUTED_ALWAYS,
      'group mute arrived',
    );
    expect(await second.groups.state(groupId)).toBeDefined();
    expect(await second.groups.invites.link(groupId, 'https://veil.test')).toBeNull();
    // Unmuted here alone (as when offline): a transfer of the state from before does not undo it.
    await second.groups.setMuted(groupId, 0);
    await first.sync.sendHistory({ range: 'all' });
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
    expect(await second.groups.mutes.mutedUntil(groupId, Date.now())).toBe(0);
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
