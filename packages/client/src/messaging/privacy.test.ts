// Settings, read receipts and typing indicators between complete clients over a real relay on
// 127.0.0.1. "Nothing was sent" is checked by ordering, never by waiting: a text sent afterwards on
// the same path arrives after anything sent before it, so once it is there the other would be too.
import Dexie from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VeilDatabase } from '../store/veil-database';
import { addContact, newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { VeilDevice } from '../veil-device';

let p: Primitives;
let relay: TestRelay;
let sockets: ReturnType<TestDevice['connect']>[];
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
  sockets = [];
});
afterEach(async () => {
  for (const socket of sockets) socket.stop();
  await relay.stop();
});

/** Alice and Bob, contacts of each other, online. */
async function pair(clock?: { now: () => number }): Promise<[TestDevice, TestDevice]> {
  const alice = await newTestDevice(p, relay, 'alice', clock);
  const bob = await newTestDevice(p, relay, 'bob', clock);
  await addContact(alice, 'bob');
  await addContact(bob, 'alice');
  for (const d of [alice, bob]) sockets.push(d.connect());
  await until(() => sockets.every((s) => s.state === 'open'), 'online');
  return [alice, bob];
}

const texts = async (device: TestDevice, peer: string) =>
  (await device.messenger.history(peer, { limit: 50 })).map((m) => m.value);

async function has(device: TestDevice, peer: string, text: string): Promise<void> {
  await until(async () => (await texts(device, peer)).some((m) => m.text === text), text);
}

describe('settings', () => {
  it('are stored in the vault, default to typing off and receipts on, and survive a reload', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    expect(await alice.settings.get()).toEqual({ typingIndicators: false, readReceipts: true });
    await alice.settings.update({ typingIndicators: true, readReceipts: false });
    alice.vault.lock();
    const reopened = await VeilDevice.open({
      p,
      db: alice.db,
      http: alice.http,
      password: 'alice password',
    });
    expect(await reopened.settings.get()).toEqual({ typingIndicators: true, readReceipts: false });
    const [row] = await alice.db.settings.toArray();
    expect(Buffer.from(row!.body).toString('latin1')).not.toContain('readReceipts');
  });

  it('a version-2 database upgrades to the current version and keeps its rows', async () => {
    const name = `upgrade-${Math.random()}`;
    const old = new Dexie(name, { indexedDB, IDBKeyRange });
    old.version(2).stores({
      meta: '&key',
      messages: '&id, [conversationId+seq]',
      profile: '&id',
    });
    await old.table('meta').put({ key: 'vault', value: 'wrapped' });
    await old
      .table('messages')
      .put({ id: 'm1', conversationId: 'c', seq: 1, body: new Uint8Array(3) });
    old.close();
    const db = new VeilDatabase(name, { indexedDB, IDBKeyRange });
    expect((await db.meta.get('vault'))?.value).toBe('wrapped');
    expect(await db.messages.count()).toBe(1);
    expect(await db.settings.count()).toBe(0);
    expect(await db.attachmentQueue.count()).toBe(0);
    expect(db.verno).toBe(4);
    db.close();
  });
});

describe('read receipts', () => {
  it('off: none sent (delivered still flows), and others’ read marks are not shown', async () => {
    const [alice, bob] = await pair();
    await bob.settings.update({ readReceipts: false });
    await alice.messenger.sendText('bob', 'one');
    await has(bob, 'alice', 'one');
    await until(async () => (await texts(alice, 'bob'))[0]?.mark === 'delivered', 'delivered');
    await bob.messenger.markSeen('alice');
    expect((await texts(bob, 'alice'))[0]?.seen).toBe(true);
    await bob.messenger.sendText('alice', 'after');
    await has(alice, 'bob', 'after');
    expect((await texts(alice, 'bob'))[0]?.mark).toBe('delivered');

    // Alice's receipts are on and she sends one; Bob's are off, so he does not show it.
    await alice.messenger.markSeen('bob');
    await alice.messenger.sendText('bob', 'later');
    await has(bob, 'alice', 'later');
    expect((await texts(bob, 'alice')).find((m) => m.text === 'after')?.mark).toBe('delivered');
  });
});

describe('typing indicators', () => {
  it('go only when on, show and stop, are never stored, and late or muted ones are ignored', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const [alice, bob] = await pair(clock);
    const typingEvents = () => bob.events.filter((e) => e.type === 'typing');

    await alice.messenger.typed('bob'); // off by default: nothing goes
    await alice.messenger.sendText('bob', 'first');
    await has(bob, 'alice', 'first');
    expect(typingEvents()).toEqual([]);

    await alice.settings.update({ typingIndicators: true });
    await alice.messenger.typed('bob'); // Bob's setting is off: he does not see it
    await alice.messenger.sendText('bob', 'second');
    await has(bob, 'alice', 'second');
    expect(typingEvents()).toEqual([]);

    await bob.settings.update({ typingIndicators: true });
    await alice.messenger.typed('bob');
    await until(() => bob.messenger.typists('alice').includes('alice'), 'alice is typing');
    expect(typingEvents().at(-1)).toEqual({
      type: 'typing',
      conversation: 'direct:alice',
      typists: ['alice'],
    });
    await alice.messenger.sendText('bob', 'third'); // sending stops it
    await has(bob, 'alice', 'third');
    await until(() => bob.messenger.typists('alice').length === 0, 'alice stopped');
    expect((await texts(bob, 'alice')).map((m) => m.text)).toEqual(['first', 'second', 'third']);

    // Bob offline: Alice's indicator waits in his mailbox and is stale by the time he reads it.
    sockets[1]!.stop();
    bob.setConnected(false);
    await alice.messenger.typed('bob');
    await alice.messenger.stoppedTyping('bob');
    await alice.messenger.typed('bob');
    await alice.messenger.sendText('bob', 'fourth');
    offset = 10_000;
    const seen = typingEvents().length;
    sockets.push(bob.connect());
    await has(bob, 'alice', 'fourth');
    expect(typingEvents()).toHaveLength(seen);

    // Muted: not shown. And with Bob offline, his own indicator is dropped, not queued.
    offset = 0;
    await bob.setMuted('alice', true);
    await alice.messenger.typed('bob');
    await alice.messenger.sendText('bob', 'fifth');
    await has(bob, 'alice', 'fifth');
    expect(typingEvents()).toHaveLength(seen);
    await until(async () => (await bob.db.outbox.count()) === 0, 'bob’s receipts sent');
    bob.setConnected(false);
    await bob.messenger.typed('alice');
    expect(await bob.db.outbox.count()).toBe(0);
  });

  it('show in a group with the typist’s name', async () => {
    const [alice, bob] = await pair();
    for (const d of [alice, bob]) await d.settings.update({ typingIndicators: true });
    const groupId = await alice.groups.create('Climbing', ['bob']);
    await until(async () => (await bob.groups.state(groupId)) !== undefined, 'bob joined');
    await alice.groups.typed(groupId);
    await until(() => bob.groups.typists(groupId).includes('alice'), 'alice typing in the group');
    await alice.groups.sendText(groupId, 'Saturday?');
    const texts = async () =>
      (await bob.groups.history(groupId, { limit: 20 }))
        .filter((m) => m.value.groupEvent === undefined)
        .map((m) => m.value.text);
    await until(async () => (await texts()).length > 0, 'the message');
    await until(() => bob.groups.typists(groupId).length === 0, 'stopped by the message');
    expect(await texts()).toEqual(['Saturday?']);
  });
});
