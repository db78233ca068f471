// Replies, reactions, edits and deletes for everyone through a real relay on 127.0.0.1: they reach
// the peer and, as sent transcripts, the sender's other device; someone else's edit or delete is
// ignored; a delete arriving before its message keeps the late original from ever showing, unless
// that delete was forged.
import { fromHex, loadPrimitives, type Content, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { onTwoDevices } from '../test-support/two-devices';
import { messageIdHex, type ChatMessage } from './chat-message';
import {
  applyDelete,
  applyEdit,
  DELETE_WINDOW_MS,
  reactionCounts,
  settleTombstone,
  deleteTombstone,
} from './message-actions';

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

const messages = async (device: TestDevice, peer: string): Promise<ChatMessage[]> =>
  (await device.messenger.history(peer, { limit: 50 })).map((m) => m.value);

const find = async (device: TestDevice, peer: string, id: string) =>
  (await messages(device, peer)).find((m) => m.id === id);

/**
 * A modified client: sends any content record as it is, past the checks `Messenger` makes on its
 * own actions, as a hostile peer could.
 */
async function sendRaw(from: TestDevice, peer: string, content: Content): Promise<void> {
  const raw = from.messenger as unknown as {
    sendToContact(peer: string, content: Content): Promise<void>;
  };
  await raw.sendToContact(peer, content);
}

describe('message actions', () => {
  it('replies, reactions, edits and deletes reach the peer and the sender’s other device', async () => {
    const { first, second } = await onTwoDevices(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await bob.addContact('alice');
    await first.addContact('bob');
    const sockets = [first.connect(), second.connect(), bob.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');
    const everyone: [TestDevice, string, string][] = [
      [first, 'bob', 'first'],
      [second, 'bob', 'second'],
      [bob, 'alice', 'bob'],
    ];

    const question = await bob.messenger.sendText('alice', 'Lunch at noon?');
    await until(async () => (await find(first, 'bob', question.id)) !== undefined, 'first has it');
    const answer = await first.messenger.sendText('bob', 'Yes!', question.id);
    for (const [device, peer, label] of everyone) {
      await until(
        async () => (await find(device, peer, answer.id))?.replyTo === question.id,
        `${label} sees the reply`,
      );
    }

    // One reaction per person: Alice's second reaction replaces her first; Bob's stands beside it.
    await first.messenger.react('bob', question.id, '👍');
    await first.messenger.react('bob', question.id, '❤️');
    await bob.messenger.react('alice', question.id, '❤️');
    for (const [device, peer, label] of everyone) {
      await until(async () => {
        const m = await find(device, peer, question.id);
        return m !== undefined && reactionCounts(m).get('❤️')?.length === 2;
      }, `${label} sees both hearts`);
      const counts = reactionCounts((await find(device, peer, question.id))!);
      expect([...counts.keys()]).toEqual(['❤️']);
      expect(counts.get('❤️')!.sort()).toEqual(['alice', 'bob']);
    }
    await bob.messenger.react('alice', question.id, '❤️', true);
    for (const [device, peer, label] of everyone) {
      await until(
        async () =>
          reactionCounts((await find(device, peer, question.id))!).get('❤️')?.length === 1,
        `${label} sees Bob's heart gone`,
      );
    }

    await first.messenger.edit('bob', answer.id, 'Yes, at the usual place');
    for (const [device, peer, label] of everyone) {
      await until(
        async () => (await find(device, peer, answer.id))?.text === 'Yes, at the usual place',
        `${label} sees the edit`,
      );
      const versions = (await find(device, peer, answer.id))!.versions!.map((v) => v.text);
      expect(versions).toEqual(['Yes!', 'Yes, at the usual place']);
    }

    await first.messenger.deleteForEveryone('bob', answer.id);
    for (const [device, peer, label] of everyone) {
      await until(
        async () => (await find(device, peer, answer.id))?.deleted === true,
        `${label} sees it deleted`,
      );
      const gone = (await find(device, peer, answer.id))!;
      expect([gone.text, gone.versions, gone.reactions]).toEqual(['', undefined, undefined]);
    }
    // Only one's own messages: the client refuses before anything is sent.
    await expect(first.messenger.edit('bob', question.id, 'No')).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    await expect(first.messenger.deleteForEveryone('bob', question.id)).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    for (const s of sockets) s.stop();
  }, 60_000);

  it('ignores an edit or delete of someone else’s message, and a forged early delete', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    const mallory = await newTestDevice(p, relay, 'mallory');
    await alice.addContact('bob');
    await bob.addContact('alice');
    await mallory.addContact('bob');
    await bob.addContact('mallory');
    const sockets = [alice.connect(), bob.connect(), mallory.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');

    const mine = await bob.messenger.sendText('alice', 'my words');
    await until(async () => (await find(alice, 'bob', mine.id)) !== undefined, 'alice has it');
    // Alice's modified client tries to rewrite and delete Bob's message on his side.
    const target = fromHex(mine.id);
    await sendRaw(alice, 'bob', {
      type: 'edit',
      messageId: p.randomBytes(16),
      sentAt: Date.now(),
      target,
      text: 'words put in my mouth',
    });
    await sendRaw(alice, 'bob', {
      type: 'delete',
      messageId: p.randomBytes(16),
      sentAt: Date.now(),
      target,
    });
    // Mallory, who somehow learnt the id of a message Alice is about to send, deletes it first.
    const upcoming = p.randomBytes(16);
    await sendRaw(mallory, 'bob', {
      type: 'delete',
      messageId: p.randomBytes(16),
      sentAt: Date.now(),
      target: upcoming,
    });
    // A marker after all of them: once it arrives, the forgeries have been handled.
    const marker = await alice.messenger.sendText('bob', 'marker');
    await until(async () => (await find(bob, 'alice', marker.id)) !== undefined, 'marker');
    const kept = (await find(bob, 'alice', mine.id))!;
    expect([kept.text, kept.deleted, kept.versions]).toEqual(['my words', undefined, undefined]);

    await sendRaw(alice, 'bob', {
      type: 'text',
      messageId: upcoming,
      sentAt: Date.now(),
      text: 'survives a forged delete',
      replyTo: null,
    });
    await until(
      async () =>
        (await find(bob, 'alice', messageIdHex(upcoming)))?.text === 'survives a forged delete',
      'the original shows in the right conversation',
    );
    expect(await find(bob, 'mallory', messageIdHex(upcoming))).toBeUndefined();
    for (const s of sockets) s.stop();
  }, 60_000);

  it('remembers a delete that arrives before its message, so the original never shows', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await alice.addContact('bob');
    await bob.addContact('alice');
    const id = p.randomBytes(16);
    const sentAt = Date.now();
    // Reordered in flight (or sent from two devices): the delete is queued first.
    await sendRaw(alice, 'bob', {
      type: 'delete',
      messageId: p.randomBytes(16),
      sentAt: sentAt + 1000,
      target: id,
    });
    await sendRaw(alice, 'bob', {
      type: 'text',
      messageId: id,
      sentAt,
      text: 'regretted',
      replyTo: null,
    });
    const marker = await alice.messenger.sendText('bob', 'marker');
    const socket = bob.connect();
    await until(async () => (await find(bob, 'alice', marker.id)) !== undefined, 'marker');
    const gone = (await find(bob, 'alice', messageIdHex(id)))!;
    expect([gone.text, gone.deleted, gone.awaitingOriginal]).toEqual(['', true, undefined]);
    expect(bob.events.some((e) => e.type === 'message' && e.message.text === 'regretted')).toBe(
      false,
    );
    // The regretted message never counted as unread: only the marker does.
    const summary = await bob.messenger.summary((await bob.contacts.get('alice'))!);
    expect(summary.unread).toBe(1);
    socket.stop();
  });
});

describe('message action rules', () => {
  const message: ChatMessage = {
    id: 'aa',
    direction: 'in',
    peer: 'bob',
    text: 'hi',
    sentAt: 1000,
    storedAt: 1000,
    mark: 'delivered',
    seen: true,
  };
  const bob = { self: false, accountId: 'bob' };
  const direct = { kind: 'direct', peer: 'bob' } as const;

  it('allows a delete only within the window', () => {
    expect(applyDelete(message, bob, direct, 1000 + DELETE_WINDOW_MS)?.deleted).toBe(true);
    expect(applyDelete(message, bob, direct, 1001 + DELETE_WINDOW_MS)).toBeNull();
    const tombstone = deleteTombstone('aa', bob, direct, 1001 + DELETE_WINDOW_MS, 5);
    expect(settleTombstone(tombstone, message)).toBeNull();
  });

  it('settles edits by the author’s clock, whatever order they arrive in', () => {
    const late = applyEdit(message, bob, direct, { text: 'third', at: 3000 })!;
    const both = applyEdit(late, bob, direct, { text: 'second', at: 2000 })!;
    expect(both.text).toBe('third');
    expect(both.versions!.map((v) => v.text)).toEqual(['hi', 'second', 'third']);
    expect(applyEdit(both, bob, direct, { text: 'second', at: 2000 })).toBeNull();
    expect(
      applyEdit(message, { self: true, accountId: 'alice' }, direct, { text: 'x', at: 2 }),
    ).toBe(null);
  });
});
