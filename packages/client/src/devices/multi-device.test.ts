// Every device equal, against a real relay: Alice adds a second browser with her password and a
// TOTP code (the account-key backup gives it the account key); Bob's message reaches both of her
// devices, her reply from one shows as sent on the other and reaches Bob once; Bob refuses a
// rolled-back or unsigned list of hers, and a device the relay slips into her list receives nothing.
import {
  certifyDevice,
  createAccountIdentity,
  createDeviceKeys,
  decodeDeviceList,
  encodeDeviceCertificate,
  encodeDeviceList,
  fromBase64Url,
  loadPrimitives,
  openAccountBackup,
  signDeviceList,
  type Primitives,
} from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { changePassword } from '../account-security';
import { signIn } from '../relay/password-auth';
import { RelayHttp } from '../relay/relay-http';
import { SoftPasskey } from '../test-support/soft-passkey';
import {
  newTestDevice,
  TEST_STRETCHING,
  testDatabase,
  until,
  type TestDevice,
} from '../test-support/test-device';
import { onTwoDevices } from '../test-support/two-devices';
import { VeilDevice } from '../veil-device';
import { exportKeyFactor } from './account-backup';

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

async function texts(device: TestDevice, peer: string): Promise<string[]> {
  const history = await device.messenger.history(peer, { limit: 50 });
  return history.map((m) => `${m.value.direction}:${m.value.text}`);
}

const aliceOnTwoDevices = () => onTwoDevices(p, relay, 'alice');

describe('multi-device', () => {
  it('adds a device by password + TOTP; messages reach every device, and sent ones show on both', async () => {
    const { first, second } = await aliceOnTwoDevices();
    expect((await second.keys.identity()).account.accountKey).toEqual(
      (await first.keys.identity()).account.accountKey,
    );
    expect((await second.keys.identity()).device.deviceId).toBe(2);
    const served = decodeDeviceList((await first.api.directory('alice')).deviceList);
    expect([served.counter, served.devices.map((d) => [d.deviceId, d.name])]).toEqual([
      2,
      [
        [1, 'This browser'],
        [2, 'Second browser'],
      ],
    ]);

    const bob = await newTestDevice(p, relay, 'bob');
    await bob.addContact('alice');
    await first.addContact('bob');
    const sockets = [first.connect(), second.connect(), bob.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');

    await bob.messenger.sendText('alice', 'hi Alice');
    await until(async () => (await texts(first, 'bob')).length === 1, 'first has it');
    await until(async () => (await texts(second, 'bob')).length === 1, 'second has it');
    expect(await texts(second, 'bob')).toEqual(['in:hi Alice']);

    await first.messenger.sendText('bob', 'hi Bob, from my laptop');
    await until(async () => (await texts(bob, 'alice')).length === 2, 'bob has the reply');
    await until(async () => (await texts(second, 'bob')).length === 2, 'second has the transcript');
    expect(await texts(second, 'bob')).toEqual(['in:hi Alice', 'out:hi Bob, from my laptop']);
    const transcript = (await second.messenger.history('bob', { limit: 5 }))[1]!.value;
    const original = (await first.messenger.history('bob', { limit: 5 }))[1]!.value;
    expect(transcript.id).toBe(original.id);

    // The reply reached Bob once, and nothing else from Alice arrived there as a message.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await texts(bob, 'alice')).toEqual(['out:hi Alice', 'in:hi Bob, from my laptop']);
    expect(bob.events.filter((e) => e.type === 'rejected')).toEqual([]);

    // The second device answers too; the first stores that as sent. (Contacts do not follow the
    // account yet, so the new device adds Bob as any device would.)
    await second.addContact('bob');
    await second.messenger.sendText('bob', 'and from my phone');
    await until(async () => (await texts(bob, 'alice')).length === 3, 'bob has the phone one');
    await until(async () => (await texts(first, 'bob')).length === 3, 'first has the transcript');
    expect((await texts(first, 'bob'))[2]).toBe('out:and from my phone');
    for (const socket of sockets) socket.stop();
  }, 30_000);

  it('refuses a wrong password or a missing second factor, and leaves no vault behind', async () => {
    const { first } = await aliceOnTwoDevices();
    const db = testDatabase('alice');
    const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
    const base = { p, db, http, username: 'alice', keyStretching: TEST_STRETCHING };
    await expect(VeilDevice.addToAccount({ ...base, password: 'not it' })).rejects.toMatchObject({
      code: 'RELAY_ERR_INVALID_CREDENTIALS',
    });
    await expect(VeilDevice.addToAccount({ ...base, password: 'alice password' })).rejects.toThrow(
      'second factor',
    );
    expect(await VeilDevice.exists({ p, db })).toBe(false);
    expect(decodeDeviceList((await first.api.directory('alice')).deviceList).counter).toBe(2);
  }, 30_000);

  it('follows a password change: the new password adds a device, the old one no longer opens the backup', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const before = await signIn(new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin }), {
      username: 'alice',
      password: 'alice password',
      keyStretching: TEST_STRETCHING,
    });
    await changePassword(alice, {
      factor: { password: 'alice password' },
      newPassword: 'alice new password',
    });
    const db = testDatabase('alice');
    const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
    const added = await VeilDevice.addToAccount({
      p,
      db,
      http,
      username: 'alice',
      password: 'alice new password',
      keyStretching: TEST_STRETCHING,
    });
    expect((await added.keys.identity()).account.accountKey).toEqual(
      (await alice.keys.identity()).account.accountKey,
    );
    // The relay's backup no longer opens with the old password's export key.
    const backup = await alice.account.keyBackup();
    expect(() =>
      openAccountBackup(p, {
        backup: fromBase64Url(backup!.backup),
        factor: exportKeyFactor(before.exportKey),
      }),
    ).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
  }, 30_000);

  it('keeps a rolled-back or unsigned device list out, and a ghost device receives nothing', async () => {
    const { first } = await aliceOnTwoDevices();
    const bob = await newTestDevice(p, relay, 'bob');
    await bob.addContact('alice');
    const accepted = (await bob.contacts.get('alice'))!.deviceList!;
    expect(decodeDeviceList(accepted).counter).toBe(2);

    // The counter-1 list (still genuine, signed by Alice's key) is a rollback now.
    const account = (await first.keys.identity()).account;
    const old = signDeviceList(p, {
      account,
      counter: 1,
      issuedAt: 1,
      devices: decodeDeviceList(accepted).devices.slice(0, 1),
    });
    await expect(
      bob.contacts.acceptDeviceList('alice', encodeDeviceList(old)),
    ).rejects.toMatchObject({ code: 'ROLLBACK' });

    // The relay adds a device of its own to Alice's list, under her key and a higher counter; it
    // cannot sign that, so the old signature stays on the edited list.
    const relayKey = createAccountIdentity(p, 'alice');
    const ghost = createDeviceKeys(p, 3);
    const genuine = decodeDeviceList(accepted);
    const forged = {
      ...genuine,
      counter: 3,
      devices: [
        ...genuine.devices,
        {
          deviceId: 3,
          signingKey: ghost.signing.publicKey,
          identityKey: ghost.identity.publicKey,
          name: 'ghost',
        },
      ],
    };
    const aliceRow = await relay.app.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', 'alice')
      .executeTakeFirstOrThrow();
    await relay.app.db
      .updateTable('device_lists')
      .set({ counter: 3, list: encodeDeviceList(forged) })
      .where('account_id', '=', aliceRow.id)
      .execute();
    await relay.app.db
      .insertInto('devices')
      .values({
        account_id: aliceRow.id,
        device_id: 3,
        identity_key: ghost.identity.publicKey,
        signing_key: ghost.signing.publicKey,
        certificate: encodeDeviceCertificate(
          certifyDevice(p, { account: relayKey, device: ghost }),
        ),
        created_at: Date.now(),
        last_seen_at: null,
      })
      .execute();
    // Alice's account key did not sign it: refused, and the list Bob holds stays in use.
    await expect(bob.refreshContact('alice')).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });

    await bob.messenger.sendText('alice', 'for Alice’s own devices only');
    await until(async () => (await bob.outbox.pending()).length === 0, 'sent');
    const deliveries = await relay.app.db
      .selectFrom('deliveries')
      .select(['device_id'])
      .where('account_id', '=', aliceRow.id)
      .execute();
    expect(deliveries.map((d) => d.device_id).sort()).toEqual([1, 2]);
    expect(decodeDeviceList((await bob.contacts.get('alice'))!.deviceList!).counter).toBe(2);
  }, 30_000);

  it('adds a device to a passkey-only account with the same (synced) passkey, and with no other', async () => {
    const passkey = new SoftPasskey(relay.origin);
    const http = () => new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
    const first = await VeilDevice.createWithPasskey({
      p,
      db: testDatabase('bob'),
      http: http(),
      username: 'bob',
      authenticator: passkey,
    });
    // The same credential on another device: what a synced passkey is.
    const added = await VeilDevice.addToAccount({
      p,
      db: testDatabase('bob'),
      http: http(),
      authenticator: passkey,
    });
    expect((await added.keys.identity()).account.accountKey).toEqual(
      (await first.keys.identity()).account.accountKey,
    );
    expect(await added.vault.factors()).toEqual({
      password: false,
      passkeys: [passkey.credentialId],
    });
    expect(decodeDeviceList((await added.api.directory('bob')).deviceList).devices).toHaveLength(2);
  }, 30_000);
});
