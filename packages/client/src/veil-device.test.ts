// The device facade's lifecycle against a real relay: create (sign-up, vault, keys, registration),
// lock and reopen offline with the password (history intact), a fresh relay session re-bound to the
// same device by its key, and messages flowing again afterwards.
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RelayHttp } from './relay/relay-http';
import { newTestDevice, socketFor, TEST_STRETCHING, until } from './test-support/test-device';
import { VeilDevice } from './veil-device';

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

describe('VeilDevice', () => {
  it('reopens offline with the password and re-binds a new session to the same device', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await alice.addContact('bob');
    await bob.addContact('alice');
    await alice.messenger.sendText('bob', 'before the lock');
    await until(async () => (await alice.outbox.pending()).length === 0, 'sent');

    expect(await VeilDevice.exists({ p, db: alice.db })).toBe(true);
    alice.vault.lock();
    expect(() => alice.messenger).toThrow('locked');

    // Offline: nothing here talks to the relay.
    const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
    await expect(
      VeilDevice.open({ p, db: alice.db, http, password: 'wrong', keyStretching: TEST_STRETCHING }),
    ).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    const reopened = await VeilDevice.open({
      p,
      db: alice.db,
      http,
      password: 'alice password',
      keyStretching: TEST_STRETCHING,
    });
    expect(await reopened.username()).toBe('alice');
    const history = await reopened.messenger.history('bob', { limit: 10 });
    expect(history.map((m) => m.value.text)).toEqual(['before the lock']);

    // A new relay session for this device: password, then the device key proves which device.
    await expect(reopened.api.prekeyCount()).rejects.toMatchObject({ status: 401 });
    await reopened.signIn('alice password');
    expect((await reopened.api.prekeyCount()).oneTime).toBeGreaterThan(0);

    const bobSocket = bob.connect();
    const aliceSocket = socketFor(reopened, http, relay);
    await until(() => aliceSocket.state === 'open' && bobSocket.state === 'open', 'online');
    await reopened.messenger.sendText('bob', 'after the reopen');
    await until(
      async () => (await bob.messenger.history('alice', { limit: 10 })).length === 2,
      'bob has both',
    );
    await bob.messenger.sendText('alice', 'welcome back');
    await until(
      async () => (await reopened.messenger.history('bob', { limit: 10 })).length === 3,
      'alice has the answer',
    );
    aliceSocket.stop();
    bobSocket.stop();
  });

  it('blocks sending after a contact key change until it is acknowledged, then reaches the new key', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const oldBob = await newTestDevice(p, relay, 'bob');
    await alice.addContact('bob');
    const before = await alice.safetyNumber('bob');
    expect(before.groups).toHaveLength(12);
    await alice.setVerified('bob', true);
    await alice.messenger.sendText('bob', 'to the old bob');

    // Bob deletes his account and someone signs up with the name again: a new identity key.
    await oldBob.account.deleteAccount(
      await oldBob.account.reauthWithPassword('bob password', TEST_STRETCHING),
    );
    const newBob = await newTestDevice(p, relay, 'bob');
    expect(await alice.refreshContact('bob')).toBe('changed');
    const contact = await alice.contacts.get('bob');
    expect(contact?.pendingKeyChange).not.toBeNull();
    expect(contact?.verified).toBe(false);
    await expect(alice.messenger.sendText('bob', 'blocked')).rejects.toMatchObject({
      code: 'UNTRUSTED_IDENTITY',
    });

    await alice.acknowledgeKeyChange('bob');
    expect((await alice.safetyNumber('bob')).groups).not.toEqual(before.groups);
    await alice.messenger.sendText('bob', 'to the new bob');
    const socket = newBob.connect();
    await until(
      async () => (await newBob.messenger.history('alice', { limit: 10 })).length === 1,
      'the new bob gets it',
    );
    const got = await newBob.messenger.history('alice', { limit: 10 });
    expect(got.map((m) => m.value.text)).toEqual(['to the new bob']);
    socket.stop();
  });
});
