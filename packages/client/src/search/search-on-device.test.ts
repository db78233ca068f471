// Search and unread totals on complete devices chatting through a real relay on 127.0.0.1: what
// arrives (1:1 and in a group) is found without any rebuild, "delete for me", the author's edits
// and deletes for everyone change the hits, the index goes with the key on lock and comes back
// after unlocking; the unread total leaves muted
// contacts out and drops when a conversation is read.
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addContact, newTestDevice, until, type TestDevice } from '../test-support/test-device';
import type { SearchHit } from './message-search';
import { unreadTotal } from './unread-total';

let p: Primitives;
let relay: TestRelay;
let sockets: { stop(): void }[];
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

async function online(...devices: TestDevice[]): Promise<void> {
  const opened = devices.map((device) => device.connect());
  sockets.push(...opened);
  await until(() => opened.every((s) => s.state === 'open'), 'everyone online');
}

const shown = (hits: readonly SearchHit[]) =>
  hits.map((hit) => hit.snippet.map((part) => part.text).join(''));

async function total(device: TestDevice): Promise<number> {
  return unreadTotal(await device.messenger.conversations(), await device.groups.list());
}

describe('search and unread counts on a device', () => {
  it('finds what arrives, 1:1 and in groups, and forgets what is deleted or locked away', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await addContact(alice, 'bob');
    await addContact(bob, 'alice');
    await online(alice, bob);

    await alice.messenger.sendText('bob', 'Crème brûlée tonight?');
    await until(
      async () => (await bob.messenger.history('alice', { limit: 5 })).length === 1,
      'in',
    );
    expect(await bob.search.search('creme')).toHaveLength(1); // the first search builds

    const groupId = await alice.groups.create('Dessert club', ['bob']);
    await until(async () => (await bob.groups.list()).length === 1, 'bob joined');
    await alice.groups.sendText(groupId, 'More crème for the club');
    await until(async () => (await bob.search.search('club')).length === 1, 'group text found');
    const hits = await bob.search.search('crem');
    expect(shown(hits)).toEqual(['More crème for the club', 'Crème brûlée tonight?']);
    expect(hits.map((h) => [h.conversation, h.author])).toEqual([
      [{ kind: 'group', groupId }, 'alice'],
      [{ kind: 'direct', peer: 'alice' }, 'alice'],
    ]);

    await bob.messenger.deleteForMe('alice', hits[1]!.messageId);
    expect(shown(await bob.search.search('creme'))).toEqual(['More crème for the club']);

    // The author's edit and delete for everyone reach bob's index through his history.
    const draft = await alice.messenger.sendText('bob', 'draft wording');
    await until(async () => (await bob.search.search('draft')).length === 1, 'draft found');
    await alice.messenger.edit('bob', draft.id, 'final wording');
    await until(async () => (await bob.search.search('final')).length === 1, 'edit found');
    expect(await bob.search.search('draft')).toEqual([]);
    await alice.messenger.deleteForEveryone('bob', draft.id);
    await until(async () => (await bob.search.search('wording')).length === 0, 'delete applied');

    bob.vault.lock();
    expect(() => bob.search).toThrow(/locked/);
    await bob.vault.unlockWithPassword('bob password');
    expect(bob.search.size).toBe(0); // a new index, built on first use
    expect(shown(await bob.search.search('CREME'))).toEqual(['More crème for the club']);
  });

  it('totals unread messages without muted contacts, and clears them when read', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    const carol = await newTestDevice(p, relay, 'carol');
    await addContact(bob, 'alice');
    await addContact(bob, 'carol');
    await addContact(alice, 'bob');
    await addContact(carol, 'bob');
    await online(alice, bob, carol);

    await alice.messenger.sendText('bob', 'one');
    await alice.messenger.sendText('bob', 'two');
    await carol.messenger.sendText('bob', 'three');
    await until(async () => (await total(bob)) === 3, 'three unread');

    await bob.setMuted('carol', true);
    expect(await total(bob)).toBe(2);
    await bob.messenger.markSeen('alice');
    expect(await total(bob)).toBe(0);
    await bob.setMuted('carol', false);
    expect(await total(bob)).toBe(1);
    await bob.messenger.markSeen('carol');
    expect(await total(bob)).toBe(0);
  });
});
