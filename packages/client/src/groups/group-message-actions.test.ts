// Replies, reactions, edits and deletes inside a group, through a real relay on 127.0.0.1: they
// travel the group send path (one sender-key envelope fanned out to every member device) and reach
// every member; a member's edit or delete of someone else's message is ignored everywhere.
import { fromHex, loadPrimitives, type Content, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../messaging/chat-message';
import { reactionCounts } from '../messaging/message-actions';
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

const find = async (device: TestDevice, groupId: string, id: string) =>
  (await device.groups.history(groupId, { limit: 100 })).find((m) => m.value.id === id)?.value;

async function everyoneSees(
  devices: readonly TestDevice[],
  groupId: string,
  id: string,
  check: (message: ChatMessage) => boolean,
  label: string,
): Promise<void> {
  for (const [index, device] of devices.entries()) {
    await until(async () => {
      const message = await find(device, groupId, id);
      return message !== undefined && check(message);
    }, `${label} (member ${index})`);
  }
}

/** Alice, Bob and Carol online, in a group Alice made; Bob and Carol know each other only from it. */
async function threeInAGroup(): Promise<{
  people: TestDevice[];
  groupId: string;
  stop: () => void;
}> {
  const people: TestDevice[] = [];
  for (const name of ['alice', 'bob', 'carol']) people.push(await newTestDevice(p, relay, name));
  const [alice] = people as [TestDevice];
  await addContact(alice, 'bob');
  await addContact(alice, 'carol');
  const sockets = people.map((d) => d.connect());
  await until(() => sockets.every((s) => s.state === 'open'), 'everyone online');
  const groupId = await alice.groups.create('Climbing', ['bob', 'carol']);
  for (const d of people) {
    await until(async () => (await d.groups.state(groupId))?.members.length === 3, 'members');
  }
  return { people, groupId, stop: () => sockets.forEach((s) => s.stop()) };
}

/** A modified client: broadcasts any content record to the group, past the checks of `act`. */
async function broadcastRaw(from: TestDevice, groupId: string, content: Content): Promise<void> {
  const raw = from.groups as unknown as {
    broadcast(groupId: string, content: Content): Promise<void>;
  };
  await raw.broadcast(groupId, content);
}

describe('group message actions', () => {
  it('a reply, reactions, an edit and a delete by a member reach every member', async () => {
    const { people, groupId, stop } = await threeInAGroup();
    const [alice, bob, carol] = people as [TestDevice, TestDevice, TestDevice];

    const question = await bob.groups.sendText(groupId, 'Saturday?');
    await everyoneSees(people, groupId, question.id, () => true, 'the question');
    const answer = await alice.groups.sendText(groupId, 'Yes!', question.id);
    await everyoneSees(people, groupId, answer.id, (m) => m.replyTo === question.id, 'the reply');

    await carol.groups.react(groupId, question.id, '👍');
    await alice.groups.react(groupId, question.id, '👍');
    await alice.groups.react(groupId, question.id, '❤️');
    await everyoneSees(
      people,
      groupId,
      question.id,
      (m) => reactionCounts(m).get('👍')?.join() === 'carol' && reactionCounts(m).has('❤️'),
      'one reaction each',
    );
    await alice.groups.react(groupId, question.id, '❤️', true);
    await everyoneSees(
      people,
      groupId,
      question.id,
      (m) => !reactionCounts(m).has('❤️'),
      'unreact',
    );

    await bob.groups.edit(groupId, question.id, 'Sunday?');
    await everyoneSees(people, groupId, question.id, (m) => m.text === 'Sunday?', 'the edit');
    for (const d of people) {
      const versions = (await find(d, groupId, question.id))!.versions!.map((v) => v.text);
      expect(versions).toEqual(['Saturday?', 'Sunday?']);
    }

    await bob.groups.deleteForEveryone(groupId, question.id);
    await everyoneSees(people, groupId, question.id, (m) => m.deleted === true, 'the delete');
    for (const d of people) {
      const gone = (await find(d, groupId, question.id))!;
      expect([gone.text, gone.versions, gone.reactions]).toEqual(['', undefined, undefined]);
    }
    stop();
  }, 60_000);

  it('ignores a member’s edit or delete of someone else’s message', async () => {
    const { people, groupId, stop } = await threeInAGroup();
    const [alice, bob, carol] = people as [TestDevice, TestDevice, TestDevice];
    const mine = await bob.groups.sendText(groupId, 'my words');
    await everyoneSees(people, groupId, mine.id, () => true, 'bob’s message');

    // Carol's own client refuses before anything is sent...
    await expect(carol.groups.edit(groupId, mine.id, 'No')).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    await expect(carol.groups.deleteForEveryone(groupId, mine.id)).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    // ...and a modified one gets nowhere: every member checks the author.
    const target = fromHex(mine.id);
    const base = () => ({ messageId: p.randomBytes(16), sentAt: Date.now(), target });
    await broadcastRaw(carol, groupId, { ...base(), type: 'edit', text: 'words put in his mouth' });
    await broadcastRaw(carol, groupId, { ...base(), type: 'delete' });
    const marker = await carol.groups.sendText(groupId, 'marker');
    await everyoneSees([alice, bob], groupId, marker.id, () => true, 'the marker');
    for (const d of people) {
      const kept = (await find(d, groupId, mine.id))!;
      expect([kept.text, kept.deleted, kept.versions]).toEqual(['my words', undefined, undefined]);
    }
    stop();
  }, 60_000);
});
