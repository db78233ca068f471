// Managing the account's devices against a real relay: Alice on two devices lists them, renames
// one (a new signed list that Bob verifies), and removes the other from her first device: its
// socket is told it was removed, the relay refuses it, Bob's next message reaches only the device
// that is left, and the removed one receives nothing more. Bob is told, as a notice on Alice's
// contact row, when her list adds or removes a device; her safety number stays the same.
import { decodeDeviceList, loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addTestDevice, newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { onTwoDevices } from '../test-support/two-devices';
import { DeviceManagerError } from './device-manager';

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

const aliceOnTwoDevices = () => onTwoDevices(p, relay, 'alice');

const texts = async (device: TestDevice, peer: string) =>
  (await device.messenger.history(peer, { limit: 50 })).map((m) => m.value.text);

describe('device management', () => {
  it('lists the devices with names and times, and renames one under a new signed list', async () => {
    const { first, second } = await aliceOnTwoDevices();
    const listed = await first.accountDevices.list();
    expect(listed.map((d) => [d.deviceId, d.name, d.current])).toEqual([
      [1, 'This browser', true],
      [2, 'Second browser', false],
    ]);
    expect(listed.every((d) => typeof d.createdAt === 'number')).toBe(true);

    await first.accountDevices.rename(2, '  Phone  ');
    expect((await second.accountDevices.list()).map((d) => d.name)).toEqual([
      'This browser',
      'Phone',
    ]);
    const served = decodeDeviceList((await first.api.directory('alice')).deviceList);
    expect(served.counter).toBe(3);

    await expect(first.accountDevices.rename(2, '')).rejects.toBeInstanceOf(DeviceManagerError);
    await expect(first.accountDevices.rename(2, 'a\nb')).rejects.toBeInstanceOf(DeviceManagerError);
    await expect(first.accountDevices.rename(9, 'Nine')).rejects.toThrow('not on the list');
    await expect(first.accountDevices.remove(1)).rejects.toThrow('the device you are using');
  }, 30_000);

  it('removes a device: it is told, refused by the relay, and gets nothing sent afterwards', async () => {
    const { first, second } = await aliceOnTwoDevices();
    const bob = await newTestDevice(p, relay, 'bob');
    await bob.addContact('alice');
    const sockets = [first.connect(), second.connect(), bob.connect()];
    const [, secondSocket] = sockets;
    await until(() => sockets.every((s) => s.state === 'open'), 'online');
    await bob.messenger.sendText('alice', 'before');
    await until(async () => (await texts(second, 'bob')).length === 1, 'second has "before"');

    await first.accountDevices.remove(2);
    await until(() => secondSocket!.state === 'device-removed', 'second told it was removed');
    expect((await first.accountDevices.list()).map((d) => d.deviceId)).toEqual([1]);
    await expect(second.api.ownDevices()).rejects.toThrow();

    // Bob still holds the two-device list (fetched for "before", under a minute ago): the copy for
    // the removed device is refused, the message is not marked failed, and his next send fetches
    // the list again and goes to the device that is left only, with a notice for him.
    await bob.messenger.sendText('alice', 'after');
    await until(async () => (await texts(first, 'bob')).length === 2, 'first has "after"');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const afterMark = (await bob.messenger.history('alice', { limit: 5 }))[1]!.value.mark;
    expect(afterMark).not.toBe('failed');
    await bob.messenger.sendText('alice', 'again');
    await until(async () => (await texts(first, 'bob')).length === 3, 'first has "again"');
    const alice = (await bob.contacts.get('alice'))!;
    expect(decodeDeviceList(alice.deviceList!).devices.map((d) => d.deviceId)).toEqual([1]);
    expect(alice.deviceNotice).toMatchObject({ added: [], removed: ['Second browser'] });
    expect(await texts(second, 'bob')).toEqual(['before']);
    for (const socket of sockets) socket.stop();
  }, 30_000);

  it('tells a contact that a device was added, without changing the safety number', async () => {
    const first = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await bob.addContact('alice');
    await first.addContact('bob');
    const before = await bob.safetyNumber('alice');
    // Alice's account has no second factor here, so her password alone adds the device.
    const second = await addTestDevice(p, relay, 'alice');
    await second.addContact('bob');
    const sockets = [bob.connect(), second.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');
    // A message from a device Bob's list does not name makes him fetch and verify the new list.
    await second.messenger.sendText('bob', 'from my new phone');
    await until(async () => (await texts(bob, 'alice')).length === 1, 'bob has it');
    const alice = (await bob.contacts.get('alice'))!;
    expect(alice.deviceNotice).toMatchObject({ added: ['Second browser'], removed: [] });
    expect(bob.events).toContainEqual({ type: 'devices-changed', peer: 'alice' });
    expect(await bob.safetyNumber('alice')).toEqual(before);
    await bob.dismissDeviceNotice('alice');
    expect((await bob.contacts.get('alice'))!.deviceNotice).toBeNull();
    for (const socket of sockets) socket.stop();
  }, 30_000);
});
