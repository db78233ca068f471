// Block, mute, delete for me, remove, and the conversation list — between two complete clients on
// a real relay. Blocking is checked from both ends: nothing stored or answered at Alice's, the
// envelope still acknowledged (the relay's mailbox empties), and sending to Bob refused.
import { loadPrimitives, type Primitives } from '@veil/protocol';
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

const texts = async (device: TestDevice, peer: string) =>
  (await device.messenger.history(peer, { limit: 50 })).map((m) => m.value.text);

const markOf = async (device: TestDevice, peer: string, text: string) =>
  (await device.messenger.history(peer, { limit: 50 })).find((m) => m.value.text === text)?.value
    .mark;

const pendingDeliveries = async () =>
  (await relay.app.db.selectFrom('deliveries').select('seq').execute()).length;

async function pair(): Promise<{ alice: TestDevice; bob: TestDevice; stop: () => void }> {
  const alice = await newTestDevice(p, relay, 'alice');
  const bob = await newTestDevice(p, relay, 'bob');
  await addContact(alice, 'bob');
  await addContact(bob, 'alice');
  const sockets = [alice.connect(), bob.connect()];
  await until(() => sockets.every((s) => s.state === 'open'), 'both online');
  return { alice, bob, stop: () => sockets.forEach((s) => s.stop()) };
}

// Three sign-ups and live delivery on a busy two-core machine take longer than the default 5 s.
describe('contact controls', { timeout: 20_000 }, () => {
  it('drops a blocked contact’s messages unanswered but acknowledged, and refuses sending', async () => {
    const { alice, bob, stop } = await pair();
    await alice.setBlocked('bob', true);
    expect((await alice.contacts.get('bob'))?.blocked).toBe(true);
    await expect(alice.messenger.sendText('bob', 'hello?')).rejects.toMatchObject({
      name: 'ContactError',
      code: 'BLOCKED',
    });

    await bob.messenger.sendText('alice', 'while blocked');
    await until(async () => (await markOf(bob, 'alice', 'while blocked')) === 'sent', 'relayed');
    await until(async () => (await pendingDeliveries()) === 0, 'acknowledged and deleted');
    expect(await texts(alice, 'bob')).toEqual([]);
    expect(alice.events.filter((e) => e.type === 'message')).toHaveLength(0);

    await alice.setBlocked('bob', false);
    await bob.messenger.sendText('alice', 'after unblock');
    await until(async () => (await texts(alice, 'bob')).length === 1, 'alice has it');
    expect(await texts(alice, 'bob')).toEqual(['after unblock']);
    await until(
      async () => (await markOf(bob, 'alice', 'after unblock')) === 'delivered',
      'delivered receipt for the later message',
    );
    // The receipt for the later message came through the same session: none ever went for the first.
    expect(await markOf(bob, 'alice', 'while blocked')).toBe('sent');
    stop();
  });

  it('keeps and counts a muted contact’s messages; the list is newest first with unread counts', async () => {
    const { alice, bob, stop } = await pair();
    await newTestDevice(p, relay, 'carol');
    await addContact(alice, 'carol');
    await alice.setMuted('bob', true);

    await bob.messenger.sendText('alice', 'one');
    await bob.messenger.sendText('alice', 'two');
    await until(async () => (await texts(alice, 'bob')).length === 2, 'both arrive');
    let list = await alice.messenger.conversations();
    expect(list.map((c) => [c.contact.accountId, c.contact.muted, c.unread, c.last?.text])).toEqual(
      [
        ['bob', true, 2, 'two'],
        ['carol', false, 0, undefined],
      ],
    );
    // History kept before unread counts existed has no count row: it is rebuilt from the messages.
    await alice.db.conversations.clear();
    expect((await alice.messenger.conversations())[0]?.unread).toBe(2);

    await alice.messenger.markSeen('bob');
    await alice.messenger.sendText('carol', 'newest activity');
    list = await alice.messenger.conversations();
    expect(list.map((c) => [c.contact.accountId, c.unread, c.last?.text])).toEqual([
      ['carol', 0, 'newest activity'],
      ['bob', 0, 'two'],
    ]);
    stop();
  });

  it('deletes one message for me, and a removed contact leaves no history, sessions or row', async () => {
    const { alice, bob, stop } = await pair();
    await alice.messenger.sendText('bob', 'keep');
    // Bob answers once Alice's message is in, so both histories hold one order.
    await until(async () => (await texts(bob, 'alice')).length === 1, 'bob has it');
    await bob.messenger.sendText('alice', 'drop me');
    await bob.messenger.sendText('alice', 'keep too');
    await until(async () => (await texts(alice, 'bob')).length === 3, 'all arrive');
    const [summary] = await alice.messenger.conversations();
    expect(summary?.unread).toBe(2);

    const dropped = (await alice.messenger.history('bob', { limit: 50 })).find(
      (m) => m.value.text === 'drop me',
    );
    await alice.messenger.deleteForMe('bob', dropped!.value.id);
    expect(await texts(alice, 'bob')).toEqual(['keep', 'keep too']);
    expect((await alice.messenger.conversations())[0]?.unread).toBe(1);
    expect(await texts(bob, 'alice')).toContain('drop me');

    expect(await alice.sessions.get({ accountId: 'bob', deviceId: 1 })).toBeDefined();
    await alice.removeContact('bob');
    expect(await alice.contacts.get('bob')).toBeUndefined();
    expect(await alice.sessions.get({ accountId: 'bob', deviceId: 1 })).toBeUndefined();
    expect(await texts(alice, 'bob')).toEqual([]);
    expect(await alice.messenger.conversations()).toEqual([]);
    expect(await alice.db.messages.count()).toBe(0);
    expect(await alice.db.conversations.count()).toBe(0);
    stop();
  });
});
