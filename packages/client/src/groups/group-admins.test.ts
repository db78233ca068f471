// What a group's admins share, against a real relay on 127.0.0.1: Alice on two devices and Bob are
// admins, Carol a plain member. An invite link made on one admin device shows on every admin device
// (and on a member's the moment they are promoted), never on a plain member's; a reset or revoke
// replaces it everywhere. A declined request is told to the requester and drops from every admin
// device's pending list; an approved one brings the group to the requester. A muted group keeps
// its messages but leaves the unread total, on every device of the account.
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unreadTotal } from '../search/unread-total';
import { onTwoDevices } from '../test-support/two-devices';
import { addContact, newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { MUTED_ALWAYS } from './group-mutes';
import { parseInviteLink } from './invite-links';

let p: Primitives;
let relay: TestRelay;
let sockets: ReturnType<TestDevice['connect']>[] = [];
// One relay and one cast for the whole file, in order (five devices cost most of the time): the
// link test leaves Bob an admin, which the decline test builds on.
let cast: Awaited<ReturnType<typeof setUp>>;
beforeAll(async () => {
  p = await loadPrimitives();
  relay = await startRelay();
  cast = await setUp();
}, 60_000);
afterAll(async () => {
  for (const socket of sockets) socket.stop();
  await relay.stop();
});

const ORIGIN = 'https://veil.test';

const members = async (device: TestDevice, groupId: string): Promise<string[]> =>
  (await device.groups.state(groupId))?.members.map((m) => m.accountId) ?? [];

const secretShown = async (device: TestDevice, groupId: string): Promise<string | null> => {
  const url = await device.groups.invites.link(groupId, ORIGIN);
  return url === null ? null : Buffer.from(parseInviteLink(url).secret).toString('hex');
};

/** Alice (two devices) makes a group of Bob and Carol; everyone (and Dave, a stranger) online. */
async function setUp() {
  const { first: alice, second: alice2 } = await onTwoDevices(p, relay, 'alice');
  const bob = await newTestDevice(p, relay, 'bob');
  const carol = await newTestDevice(p, relay, 'carol');
  const dave = await newTestDevice(p, relay, 'dave');
  await addContact(alice, 'bob');
  await addContact(alice, 'carol');
  sockets = [alice, alice2, bob, carol, dave].map((d) => d.connect());
  await until(() => sockets.every((s) => s.state === 'open'), 'everyone online');
  const groupId = await alice.groups.create('Crag', ['bob', 'carol']);
  for (const [who, d] of Object.entries({ alice2, bob, carol })) {
    await until(async () => (await members(d, groupId)).length === 3, `${who} joined`);
  }
  return { alice, alice2, bob, carol, dave, groupId };
}

describe('group admins', () => {
  it('shows the link on every admin device, never on a plain member’s', async () => {
    const { alice, alice2, bob, carol, groupId } = cast;
    const first = Buffer.from(
      parseInviteLink(await alice.groups.invites.createLink(groupId, ORIGIN)).secret,
    ).toString('hex');
    await until(async () => (await secretShown(alice2, groupId)) === first, 'alice2 shows it');
    await until(async () => (await bob.groups.state(groupId))?.inviteKey != null, 'bob saw key');
    expect(await secretShown(bob, groupId)).toBeNull();

    // Promoted, Bob gets it from the promoting device; Carol, still a member only, never does.
    await alice.groups.promote(groupId, 'bob');
    await until(async () => (await secretShown(bob, groupId)) === first, 'bob shows it');
    // Bob's URL names him first among the admins; the secret is the same.
    const bobsUrl = (await bob.groups.invites.link(groupId, ORIGIN))!;
    expect(parseInviteLink(bobsUrl).admins.map((a) => a.accountId)).toEqual(['bob', 'alice']);

    // Reset on Bob's side: every admin device follows; revoke on Alice's second: all drop it.
    const second = Buffer.from(
      parseInviteLink(await bob.groups.invites.createLink(groupId, ORIGIN)).secret,
    ).toString('hex');
    expect(second).not.toBe(first);
    for (const [who, d] of Object.entries({ alice, alice2 })) {
      await until(async () => (await secretShown(d, groupId)) === second, `${who} reset`);
    }
    await alice2.groups.invites.revokeLink(groupId);
    for (const [who, d] of Object.entries({ alice, bob })) {
      await until(async () => (await secretShown(d, groupId)) === null, `${who} revoked`);
    }

    // Carol saw every link's key go by, and holds no secret: nothing sealed under `invite:`.
    expect(await carol.groups.invites.link(groupId, ORIGIN)).toBeNull();
    expect(await carol.db.groups.get(`invite:${groupId}`)).toBeUndefined();
    await expect(carol.groups.invites.createLink(groupId, ORIGIN)).rejects.toMatchObject({
      code: 'NOT_AUTHORIZED',
    });
  });

  it('tells a declined requester and clears every admin device; an approved one gets the group', async () => {
    const { alice, alice2, bob, dave, groupId } = cast;
    expect((await bob.groups.state(groupId))?.admins).toEqual(['alice', 'bob']);
    const url = await alice.groups.invites.createLink(groupId, ORIGIN);
    expect((await dave.groups.invites.requestJoin(url)).sort()).toEqual(['alice', 'bob']);
    const pendingOn = async (d: TestDevice) =>
      (await d.groups.invites.pending(groupId)).map((r) => r.accountId);
    for (const [who, d] of Object.entries({ alice, alice2, bob })) {
      await until(async () => (await pendingOn(d)).includes('dave'), `${who} has it`);
    }

    await alice.groups.invites.decline(groupId, 'dave');
    await until(
      async () => (await dave.groups.invites.ownRequest(groupId))?.declined !== undefined,
      'dave told',
    );
    const own = (await dave.groups.invites.ownRequest(groupId))!;
    expect(own.name).toBe('Crag');
    expect(own.declined?.by).toBe('alice');
    for (const [who, d] of Object.entries({ alice, alice2, bob })) {
      await until(async () => (await pendingOn(d)).length === 0, `${who} cleared`);
    }

    // He asks again; Bob approves this time: the group appears in Dave's list.
    await dave.groups.invites.requestJoin(url);
    await until(async () => (await pendingOn(bob)).includes('dave'), 'asked again');
    await bob.groups.invites.approve(groupId, 'dave');
    await until(async () => (await members(dave, groupId)).includes('dave'), 'dave joined');
    expect((await dave.groups.list()).map((g) => g.groupId)).toEqual([groupId]);
    expect(await dave.groups.invites.ownRequest(groupId)).toMatchObject({
      admins: ['alice', 'bob'],
    });
  });

  it('a muted group stores its messages but leaves the unread total, on both devices', async () => {
    const { alice, alice2, bob, groupId } = cast;
    const total = async (d: TestDevice) =>
      unreadTotal(await d.messenger.conversations(), await d.groups.list());
    await alice.setGroupMuted(groupId, MUTED_ALWAYS);
    await until(
      async () => (await alice2.groups.mutes.mutedUntil(groupId, Date.now())) === MUTED_ALWAYS,
      'mute synced',
    );

    await bob.groups.sendText(groupId, 'Rope at 8?');
    for (const [who, d] of Object.entries({ alice, alice2 })) {
      await until(async () => (await d.groups.list())[0]?.unread === 1, `${who} stored`);
      const [row] = await d.groups.list();
      expect(row?.last?.text).toBe('Rope at 8?');
      expect(row?.mutedUntil).toBe(MUTED_ALWAYS);
      expect(await total(d)).toBe(0);
    }

    await alice2.setGroupMuted(groupId, 0);
    await until(async () => (await alice.groups.list())[0]?.mutedUntil === 0, 'unmute synced');
    expect(await total(alice)).toBe(1);
    // A mute that has run out counts again without anyone unmuting.
    await alice.setGroupMuted(groupId, Date.now() + 60_000);
    expect(await total(alice)).toBe(0);
    expect(unreadTotal([], await alice.groups.list(), Date.now() + 61_000)).toBe(1);
  });
});
