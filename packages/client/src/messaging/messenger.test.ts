// Two complete clients chatting through a real relay on 127.0.0.1: live delivery both ways,
// delivered and read marks, history in order, and a forged envelope dropped without harm.
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

const marksOf = async (device: TestDevice, peer: string) =>
  (await device.messenger.history(peer, { limit: 50 })).map((m) => [m.value.text, m.value.mark]);

describe('messenger', () => {
  it('chats live both ways with delivered and read marks', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await addContact(alice, 'bob');
    await addContact(bob, 'alice');
    const aliceSocket = alice.connect();
    const bobSocket = bob.connect();
    await until(() => aliceSocket.state === 'open' && bobSocket.state === 'open', 'both online');

    await alice.messenger.sendText('bob', 'Hello Bob');
    await until(
      async () => (await bob.messenger.history('alice', { limit: 10 })).length === 1,
      'bob has it',
    );
    await until(
      async () => (await marksOf(alice, 'bob'))[0]?.[1] === 'delivered',
      'alice sees delivered',
    );

    await bob.messenger.markSeen('alice');
    await until(async () => (await marksOf(alice, 'bob'))[0]?.[1] === 'read', 'alice sees read');

    await bob.messenger.sendText('alice', 'Hi Alice');
    await bob.messenger.sendText('alice', '<img src=x onerror=alert(1)>');
    await until(
      async () => (await alice.messenger.history('bob', { limit: 10 })).length === 3,
      'alice has both',
    );
    const history = await alice.messenger.history('bob', { limit: 10 });
    expect(history.map((m) => [m.value.direction, m.value.text])).toEqual([
      ['out', 'Hello Bob'],
      ['in', 'Hi Alice'],
      ['in', '<img src=x onerror=alert(1)>'],
    ]);
    await until(
      async () => (await marksOf(bob, 'alice')).every(([, mark]) => mark === 'delivered'),
      'bob sees delivered',
    );
    aliceSocket.stop();
    bobSocket.stop();
  });

  it('drops an envelope that does not open, and keeps going', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await addContact(alice, 'bob');
    await addContact(bob, 'alice');
    await alice.api.submit({
      clientId: Buffer.from(p.randomBytes(16)).toString('base64url'),
      envelopes: [{ body: p.randomBytes(1024), recipients: [{ username: 'bob', deviceId: 1 }] }],
    });
    await alice.messenger.sendText('bob', 'after the garbage');
    const socket = bob.connect();
    await until(
      async () => (await bob.messenger.history('alice', { limit: 10 })).length === 1,
      'the real message',
    );
    expect(bob.events.filter((e) => e.type === 'rejected')).toHaveLength(1);
    socket.stop();
  });

  it('refuses to send to a contact whose key changed until the change is acknowledged', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    await newTestDevice(p, relay, 'bob');
    await addContact(alice, 'bob');
    const { createAccountIdentity } = await import('@veil/protocol');
    const impostor = createAccountIdentity(p, 'bob');
    await alice.contacts.observe('bob', impostor.accountKey);
    await expect(alice.messenger.sendText('bob', 'hi')).rejects.toMatchObject({
      code: 'UNTRUSTED_IDENTITY',
    });
    const contact = await alice.contacts.get('bob');
    expect(contact?.pendingKeyChange).not.toBeNull();
  });

  it('refuses a text over the protocol limit before storing it: nothing is left queued', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    await newTestDevice(p, relay, 'bob');
    await addContact(alice, 'bob');
    await expect(alice.messenger.sendText('bob', 'x'.repeat(100 * 1024))).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
    expect(await alice.messenger.history('bob', { limit: 10 })).toEqual([]);
  });
});
