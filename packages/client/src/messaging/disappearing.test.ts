// Disappearing messages between complete clients over a real relay on 127.0.0.1, on a shared clock
// the test moves forward instead of waiting: the timer change shows in every timeline, messages
// carry the timer and are deleted on both sides and on the recipient's second device, the deletion
// holds after a reload (the sweep at unlock), and out-of-order timer changes settle on the newest.
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addContact,
  addTestDevice,
  newTestDevice,
  until,
  type TestDevice,
} from '../test-support/test-device';
import { VeilDevice } from '../veil-device';

let p: Primitives;
let relay: TestRelay;
let sockets: ReturnType<TestDevice['connect']>[];
let offset: number;
const clock = { now: () => Date.now() + offset };
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
  sockets = [];
  offset = 0;
});
afterEach(async () => {
  for (const socket of sockets) socket.stop();
  await relay.stop();
});

const rows = async (device: VeilDevice, peer: string) =>
  (await device.messenger.history(peer, { limit: 50 })).map((m) => m.value);
const texts = async (device: VeilDevice, peer: string) =>
  (await rows(device, peer)).filter((m) => m.timerChange === undefined).map((m) => m.text);
const timerRows = async (device: VeilDevice, peer: string) =>
  (await rows(device, peer))
    .filter((m) => m.timerChange !== undefined)
    .map((m) => [m.direction, m.timerChange!.seconds]);

async function has(device: VeilDevice, peer: string, text: string): Promise<void> {
  await until(async () => (await texts(device, peer)).includes(text), text);
}

function online(...devices: TestDevice[]): Promise<void> {
  for (const d of devices) sockets.push(d.connect());
  return until(() => sockets.every((s) => s.state === 'open'), 'online');
}

describe('disappearing messages', () => {
  it('a timer set by one side shows everywhere and its messages go from every device', async () => {
    const alice = await newTestDevice(p, relay, 'alice', clock);
    const bob = await newTestDevice(p, relay, 'bob', clock);
    const bob2 = await addTestDevice(p, relay, 'bob', undefined, undefined, clock);
    await addContact(alice, 'bob');
    await addContact(bob, 'alice');
    await online(alice, bob, bob2);

    await alice.messenger.sendText('bob', 'kept');
    await alice.messenger.setDisappearingTimer('bob', 30);
    for (const d of [bob, bob2]) {
      await until(async () => (await d.messenger.disappearingTimer('alice')) === 30, 'timer');
      expect(await timerRows(d, 'alice')).toEqual([['in', 30]]);
    }
    expect(await timerRows(alice, 'bob')).toEqual([['out', 30]]);

    await alice.messenger.sendText('bob', 'secret');
    await has(bob, 'alice', 'secret');
    await has(bob2, 'alice', 'secret');
    await bob.messenger.sendText('alice', 'reply'); // Bob's side has the timer too
    await has(alice, 'bob', 'reply');
    await has(bob2, 'alice', 'reply'); // as a transcript
    for (const [d, peer] of [
      [alice, 'bob'],
      [bob, 'alice'],
      [bob2, 'alice'],
    ] as const) {
      const [kept, secret] = [(await rows(d, peer))[0]!, (await rows(d, peer)).at(-1)!];
      expect(kept.expiresAt).toBeUndefined();
      expect(secret.expiresAt).toBeGreaterThan(clock.now());
    }

    offset = 31_000;
    for (const d of [alice, bob]) await d.disappearing.sweep();
    for (const [d, peer] of [
      [alice, 'bob'],
      [bob, 'alice'],
    ] as const) {
      expect(await texts(d, peer)).toEqual(['kept']);
      expect(await timerRows(d, peer)).toHaveLength(1);
      expect(d.events.filter((e) => e.type === 'removed')).toHaveLength(2);
    }
    expect(await alice.db.expiring.count()).toBe(0);

    // Bob's second device was locked meanwhile: a new client over its store sweeps at unlock.
    sockets[2]!.stop();
    bob2.vault.lock();
    const reopened = await VeilDevice.open({ ...bob2.options, password: 'bob password' });
    await until(async () => (await texts(reopened, 'alice')).length === 1, 'swept at unlock');
    expect(await texts(reopened, 'alice')).toEqual(['kept']);
    expect(await reopened.messenger.disappearingTimer('alice')).toBe(30);
  });

  it('out of order: the newest change wins on both sides, and each message keeps its own timer', async () => {
    const alice = await newTestDevice(p, relay, 'alice', clock);
    const bob = await newTestDevice(p, relay, 'bob', clock);
    await addContact(alice, 'bob');
    await addContact(bob, 'alice');

    // Both change the timer while the other is offline; Alice first, Bob a second later.
    await alice.messenger.setDisappearingTimer('bob', 300);
    await alice.messenger.sendText('bob', 'under five minutes');
    offset += 1_000;
    await bob.messenger.setDisappearingTimer('alice', 3600);
    await online(alice, bob);
    await has(bob, 'alice', 'under five minutes');
    for (const [d, peer] of [
      [alice, 'bob'],
      [bob, 'alice'],
    ] as const) {
      await until(async () => (await timerRows(d, peer)).length === 2, 'both changes shown');
      expect(await d.messenger.disappearingTimer(peer)).toBe(3600);
    }
    // The message Alice sent under her 5 minutes keeps them, whatever the conversation says now.
    const received = (await rows(bob, 'alice')).find((m) => m.text === 'under five minutes')!;
    expect(received.expiresAt! - received.sentAt).toBe(300_000);
    await alice.messenger.sendText('bob', 'under an hour');
    await has(bob, 'alice', 'under an hour');
    offset += 301_000;
    await bob.disappearing.sweep();
    expect(await texts(bob, 'alice')).toEqual(['under an hour']);

    // A message that arrives after it should have gone is never stored.
    sockets[1]!.stop();
    await alice.messenger.sendText('bob', 'too late');
    offset += 3_601_000;
    await alice.messenger.sendText('bob', 'after');
    sockets.push(bob.connect());
    await has(bob, 'alice', 'after');
    expect(await texts(bob, 'alice')).not.toContain('too late');
  });

  it('in a group: any member sets the timer for everyone, and group messages go too', async () => {
    const alice = await newTestDevice(p, relay, 'alice', clock);
    const bob = await newTestDevice(p, relay, 'bob', clock);
    await addContact(alice, 'bob');
    await online(alice, bob);
    const groupId = await alice.groups.create('Climbing', ['bob']);
    await until(async () => (await bob.groups.state(groupId)) !== undefined, 'bob joined');
    const groupTexts = async (d: VeilDevice) =>
      (await d.groups.history(groupId, { limit: 50 }))
        .filter((m) => m.value.groupEvent === undefined && m.value.timerChange === undefined)
        .map((m) => m.value.text);

    await bob.groups.setDisappearingTimer(groupId, 60);
    await until(async () => (await alice.groups.disappearingTimer(groupId)) === 60, 'timer');
    const change = (await alice.groups.history(groupId, { limit: 50 })).find(
      (m) => m.value.timerChange !== undefined,
    );
    expect(change?.value).toMatchObject({
      peer: 'bob',
      direction: 'in',
      timerChange: { seconds: 60 },
    });
    await alice.groups.sendText(groupId, 'gone in a minute');
    await until(async () => (await groupTexts(bob)).includes('gone in a minute'), 'bob has it');
    offset += 61_000;
    for (const d of [alice, bob]) {
      await d.disappearing.sweep();
      // Bob's row shows a moment before its expiry is recorded; recording a due one removes it.
      await until(async () => (await groupTexts(d)).length === 0, 'gone');
    }
  });
});
