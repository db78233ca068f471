// Profiles against a real relay: a profile reaches contacts (and only contacts we can write to),
// both sides learn each other's once both have added each other, a later one replaces an earlier
// one, one over the limits is refused before anything is stored or sent, and at rest it is sealed.
import { CONTENT_LIMITS, loadPrimitives, utf8, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newTestDevice, until, type TestDevice } from '../test-support/test-device';
import type { ProfileAvatar } from './profile';

let p: Primitives;
let relay: TestRelay;
const sockets: { stop(): void }[] = [];
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.stop();
  await relay.stop();
});

async function online(username: string): Promise<TestDevice> {
  const device = await newTestDevice(p, relay, username);
  const socket = device.connect();
  sockets.push(socket);
  await until(() => socket.state === 'open', `${username} online`);
  return device;
}

const avatar = (size: number, fill = 1): ProfileAvatar => ({
  format: 'webp',
  bytes: new Uint8Array(size).fill(fill),
});

async function profileOf(device: TestDevice, peer: string) {
  return (await device.contacts.get(peer))?.profile;
}

const sent = async (device: TestDevice): Promise<boolean> =>
  (await device.outbox.pending()).length === 0;

describe('profiles', () => {
  it('reach contacts only, never a blocked one or someone who merely added us', async () => {
    const [alice, bob, carol, dave] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map(online),
    );
    await alice!.addContact('bob');
    await alice!.addContact('dave');
    await alice!.setBlocked('dave', true);
    // Carol added Alice, but Alice never added Carol: Carol is not Alice's contact.
    await carol!.addContact('alice');
    await dave!.addContact('alice');

    const reached = await alice!.setProfile({
      displayName: 'Alice <b>A.</b>',
      avatar: avatar(300),
    });
    expect(reached).toEqual(['bob']);
    await until(async () => (await profileOf(bob!, 'alice')) !== undefined, 'bob has it');
    expect(await profileOf(bob!, 'alice')).toMatchObject({
      displayName: 'Alice <b>A.</b>',
      avatar: avatar(300),
    });
    expect(bob!.events).toContainEqual({ type: 'profile', peer: 'alice' });
    await until(() => sent(alice!), 'alice sent everything');
    // Alice's outbox is empty and Bob has his: nothing else was sent, so nothing else can arrive.
    expect(await profileOf(carol!, 'alice')).toBeUndefined();
    expect(await profileOf(dave!, 'alice')).toBeUndefined();
    // No profile ever becomes a message in the history.
    expect(await bob!.messenger.history('alice', { limit: 10 })).toEqual([]);
  });

  it('each side learns the other’s once both have added each other; a later one replaces it', async () => {
    const [alice, bob] = await Promise.all(['alice', 'bob'].map(online));
    expect(await alice!.setProfile({ displayName: 'Alice', avatar: null })).toEqual([]);
    await bob!.setProfile({ displayName: 'Bob', avatar: { format: 'png', bytes: utf8('png') } });

    await alice!.addContact('bob');
    await until(async () => (await profileOf(bob!, 'alice'))?.displayName === 'Alice', 'to bob');
    await bob!.addContact('alice');
    await until(async () => (await profileOf(alice!, 'bob'))?.displayName === 'Bob', 'to alice');
    expect((await profileOf(alice!, 'bob'))?.avatar).toEqual({
      format: 'png',
      bytes: utf8('png'),
    });

    const first = await profileOf(bob!, 'alice');
    await alice!.setProfile({ displayName: 'Alice Liddell', avatar: avatar(64, 9) });
    await until(
      async () => (await profileOf(bob!, 'alice'))?.displayName === 'Alice Liddell',
      'the later one',
    );
    const second = await profileOf(bob!, 'alice');
    expect(second?.avatar).toEqual(avatar(64, 9));
    expect(second!.updatedAt).toBeGreaterThan(first!.updatedAt);

    // And back to no avatar: an empty name and no avatar are a profile too.
    await alice!.setProfile({ displayName: '', avatar: null });
    await until(async () => (await profileOf(bob!, 'alice'))?.avatar === null, 'avatar removed');
    expect((await profileOf(bob!, 'alice'))?.displayName).toBe('');
  });

  it('refuses a profile over the limits before storing or sending anything', async () => {
    const [alice, bob] = await Promise.all(['alice', 'bob'].map(online));
    await alice!.addContact('bob');
    await bob!.addContact('alice');
    await alice!.setProfile({ displayName: 'Alice', avatar: avatar(CONTENT_LIMITS.avatarBytes) });
    await until(async () => (await profileOf(bob!, 'alice')) !== undefined, 'the first one');
    await until(() => sent(alice!), 'alice sent everything');

    await expect(
      alice!.setProfile({
        displayName: 'Too big',
        avatar: avatar(CONTENT_LIMITS.avatarBytes + 1),
      }),
    ).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(
      alice!.setProfile({
        displayName: 'x'.repeat(CONTENT_LIMITS.displayNameBytes + 1),
        avatar: null,
      }),
    ).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(await alice!.outbox.pending()).toEqual([]);
    expect((await alice!.profile())?.displayName).toBe('Alice');
    expect((await profileOf(bob!, 'alice'))?.displayName).toBe('Alice');
  });

  it('keeps our own profile sealed under the vault key', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    await alice.setProfile({ displayName: 'Plaintext Marker', avatar: avatar(100, 0x41) });
    expect((await alice.profile())?.displayName).toBe('Plaintext Marker');
    const rows = await alice.db.profile.toArray();
    expect(rows).toHaveLength(1);
    const stored = new TextDecoder('latin1').decode(rows[0]!.body);
    expect(stored).not.toContain('Plaintext Marker');
    expect(stored).not.toContain('A'.repeat(100));
  });
});
