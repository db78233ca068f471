// Device lists stay current without waiting for them to age, against a real relay: a device Alice
// adds a moment ago gets Bob's very next message (the relay's reply to his submission names her
// list's new counter, so he fetches, verifies and sends it a copy) and the transcript of her own
// next message; a rename on one of her devices reaches the other over its socket. A relay that
// names a counter the signed list does not have adds no device. The same holds for a group message:
// the member's new device gets the sender-key message sealed for it alone.
import { decodeDeviceList, loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addTestDevice, newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { onTwoDevices } from '../test-support/two-devices';

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

const groupTexts = async (device: TestDevice, groupId: string) =>
  (await device.groups.history(groupId, { limit: 50 }))
    .filter((m) => m.value.groupEvent === undefined)
    .map((m) => m.value.text);

const texts = async (device: TestDevice, peer: string) =>
  (await device.messenger.history(peer, { limit: 50 })).map(
    (m) => `${m.value.direction}:${m.value.text}`,
  );

describe('device-list freshness', () => {
  it('reaches a device added a moment ago with the very next message, and with transcripts', async () => {
    const first = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await bob.addContact('alice');
    await first.addContact('bob');
    const sockets = [first.connect(), bob.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');
    // Bob's copy of Alice's list is fresh (fetched just now): by age alone he would keep it.
    await bob.messenger.sendText('alice', 'before');
    await until(async () => (await texts(first, 'bob')).length === 1, 'first has "before"');

    const second = await addTestDevice(p, relay, 'alice');
    await second.addContact('bob');
    sockets.push(second.connect());
    await until(() => sockets[2]!.state === 'open', 'second online');

    await bob.messenger.sendText('alice', 'right after');
    await until(async () => (await texts(second, 'bob')).includes('in:right after'), 'second');
    await until(async () => (await texts(first, 'bob')).length === 2, 'first has it too');
    const listed = decodeDeviceList((await bob.contacts.get('alice'))!.deviceList!);
    expect(listed.devices.map((d) => d.deviceId)).toEqual([1, 2]);
    // Sent once to each device, and marked sent (not failed) for Bob.
    expect(await texts(first, 'bob')).toEqual(['in:before', 'in:right after']);
    expect((await bob.messenger.history('alice', { limit: 5 }))[1]!.value.mark).not.toBe('failed');

    // Alice's first device answers: its transcript reaches the new device too.
    await first.messenger.sendText('bob', 'answered from the first');
    await until(
      async () => (await texts(second, 'bob')).includes('out:answered from the first'),
      'second has the transcript',
    );
    expect(first.events.filter((e) => e.type === 'rejected')).toEqual([]);

    // A relay naming a counter the signed list does not have makes Bob look, and adds nothing.
    const held = (await bob.contacts.get('alice'))!.deviceList;
    expect(await bob.deviceLists.heard('alice', 99)).toBe(false);
    expect((await bob.contacts.get('alice'))!.deviceList).toEqual(held);
    for (const socket of sockets) socket.stop();
  }, 30_000);

  it("reaches a member's device added a moment ago with the very next group message", async () => {
    const first = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    const carol = await newTestDevice(p, relay, 'carol');
    await first.addContact('bob');
    await first.addContact('carol');
    const sockets = [first.connect(), bob.connect(), carol.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');
    const groupId = await first.groups.create('Climbing', ['bob', 'carol']);
    await until(async () => (await bob.groups.state(groupId)) !== undefined, 'bob joined');
    await until(async () => (await carol.groups.state(groupId)) !== undefined, 'carol joined');
    await bob.groups.sendText(groupId, 'before');
    await until(async () => (await groupTexts(first, groupId)).length === 1, 'first has it');

    // Alice adds a device and hands it the group. Bob's socket is down meanwhile, so he does not
    // hear from the new device (which would make him fetch her list); his copy is a moment old.
    sockets[1]!.stop();
    const second = await addTestDevice(p, relay, 'alice');
    sockets.push(second.connect());
    await until(() => sockets[3]!.state === 'open', 'second online');
    await first.sync.sendHistory({ range: 'all' });
    await until(async () => (await groupTexts(second, groupId)).length === 1, 'group handed over');

    // Sent over HTTP with the socket still down: the relay's reply names Alice's newer list.
    await bob.groups.sendText(groupId, 'right after');
    await until(
      async () => (await groupTexts(second, groupId)).includes('right after'),
      'the new device has it',
    );
    await until(async () => (await groupTexts(first, groupId)).length === 2, 'first has it too');
    expect(await groupTexts(first, groupId)).toEqual(['before', 'right after']);
    expect(await groupTexts(carol, groupId)).toEqual(['before', 'right after']);
    const sent = (await bob.groups.history(groupId, { limit: 5 })).at(-1)!;
    expect(sent.value.mark).not.toBe('failed');
    for (const socket of sockets) socket.stop();
  }, 30_000);

  it('carries a rename to the other device over its socket', async () => {
    const { first, second } = await onTwoDevices(p, relay, 'alice');
    const sockets = [first.connect(), second.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');
    await first.accountDevices.rename(2, 'Phone');
    await until(async () => (await second.ownDevices.get())?.counter === 3, 'second heard it');
    expect((await second.ownDevices.get())!.devices.map((d) => d.name)).toEqual([
      'This browser',
      'Phone',
    ]);
    expect(second.events).toContainEqual({ type: 'devices-changed', peer: 'alice' });
    for (const socket of sockets) socket.stop();
  }, 30_000);
});
