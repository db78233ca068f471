// The key directory against a listening relay with a real SQLite file: registration checks, the
// device list, device claims, prekey hand-out (each one-time prekey at most once, even under
// concurrent fetches), how often "last seen" is written, and the account-key backup.
import {
  createAccountIdentity,
  createDeviceKeys,
  decodePrekeyBundle,
  fromBase64Url,
  generatePqPrekeys,
  encodePqPrekey,
  toBase64Url,
  utf8,
  verifyPrekeyBundle,
  concatBytes,
} from '@veil/protocol';
import type {
  BundleReply,
  DeviceBoundReply,
  DeviceClaimChallenge,
  DirectoryEntry,
  OwnDevicesReply,
  PrekeyCount,
} from '@veil/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthClient } from '../../auth/test-support/auth-client';
import { DEVICE_CLAIM_LABEL } from '../../keys/key-directory';
import { listFor, registeredDevice, registrationBody } from '../../keys/test-support/device-client';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

let relay: TestRelay;
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay.stop();
});

describe('device registration', () => {
  it('publishes the device list and hands out bundles that verify against the account key', async () => {
    const alice = await registeredDevice(relay, 'alice', { oneTimeCount: 3 });
    expect(alice.reply.body).toEqual({
      deviceId: 1,
      prekeys: { oneTime: 3, pqOneTime: 3, signedPrekeyAt: expect.any(Number) as number },
    });
    const bob = await registeredDevice(relay, 'bob');

    const entry = await bob.client.call<DirectoryEntry>('GET', '/api/v1/directory/Alice');
    expect(entry.status).toBe(200);
    expect(entry.body.accountKey).toBe(toBase64Url(alice.account.accountKey));

    const fetched = await bob.client.call<BundleReply>(
      'POST',
      '/api/v1/directory/alice/bundles',
      {},
    );
    expect(fetched.status).toBe(200);
    expect(fetched.body.bundles).toHaveLength(1);
    const bundle = decodePrekeyBundle(fromBase64Url(fetched.body.bundles[0]!.bundle));
    verifyPrekeyBundle(alice.p, {
      bundle,
      expected: { accountId: 'alice', accountKey: alice.account.accountKey },
    });
    expect(bundle.oneTimePrekey).toBeDefined();
    expect(bundle.pqPrekey.lastResort).toBe(false);

    const counts = await alice.client.call<PrekeyCount>('GET', '/api/v1/keys/prekeys');
    expect(counts.body).toMatchObject({ oneTime: 2, pqOneTime: 2 });
  });

  it('hands out each one-time prekey once under concurrent fetches, then the last-resort key', async () => {
    const alice = await registeredDevice(relay, 'alice', { oneTimeCount: 5 });
    const fetchers = await Promise.all(
      ['bob', 'carol', 'dave', 'erin'].map((name) => registeredDevice(relay, name)),
    );
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        fetchers[i % fetchers.length]!.client.call<BundleReply>(
          'POST',
          '/api/v1/directory/alice/bundles',
          {},
        ),
      ),
    );
    const bundles = replies.map((reply) => {
      expect(reply.status).toBe(200);
      return decodePrekeyBundle(fromBase64Url(reply.body.bundles[0]!.bundle));
    });
    const oneTimeIds = bundles.flatMap((b) => (b.oneTimePrekey ? [b.oneTimePrekey.id] : []));
    const pqIds = bundles.filter((b) => !b.pqPrekey.lastResort).map((b) => b.pqPrekey.id);
    expect(oneTimeIds).toHaveLength(5);
    expect(new Set(oneTimeIds).size).toBe(5);
    expect(pqIds).toHaveLength(5);
    expect(new Set(pqIds).size).toBe(5);
    expect(bundles.filter((b) => b.pqPrekey.lastResort)).toHaveLength(19);
    const counts = await alice.client.call<PrekeyCount>('GET', '/api/v1/keys/prekeys');
    expect(counts.body).toMatchObject({ oneTime: 0, pqOneTime: 0 });
  });

  it('refuses key material that does not check out, with a clear 400', async () => {
    const alice = await registeredDevice(relay, 'alice');
    const { p } = alice;
    const client = alice.client;
    const device = createDeviceKeys(p, 2);
    const list = listFor(p, alice.account, [alice.device, device], 2);
    const good = registrationBody(p, { account: alice.account, device, list });

    // A certificate made by another account key.
    const mallory = createAccountIdentity(p, 'alice');
    const forged = registrationBody(p, { account: mallory, device, list });
    const forgedCert = await client.call('POST', '/api/v1/devices', {
      ...good,
      certificate: forged.certificate,
    });
    expect(forgedCert.status).toBe(400);
    expect(forgedCert.body.code).toBe('RELAY_ERR_KEY_MATERIAL');

    // An ML-KEM prekey signed by another device.
    const other = createDeviceKeys(p, 3);
    const [foreignPq] = generatePqPrekeys(p, {
      device: other,
      firstId: 900,
      count: 1,
      lastResort: false,
    }).prekeys;
    const badPq = await client.call('POST', '/api/v1/devices', {
      ...good,
      pqOneTimePrekeys: [toBase64Url(encodePqPrekey(foreignPq!))],
    });
    expect(badPq.status).toBe(400);
    expect(badPq.body.message).toContain('BAD_SIGNATURE');

    // A list that does not name the device.
    const withoutIt = registrationBody(p, {
      account: alice.account,
      device,
      list: listFor(p, alice.account, [alice.device], 2),
    });
    expect((await client.call('POST', '/api/v1/devices', withoutIt)).status).toBe(400);

    // Not base64url, or the wrong size: the schema refuses it before anything decodes it.
    const garbage = await client.call('POST', '/api/v1/devices', { ...good, accountKey: '!!' });
    expect(garbage.status).toBe(400);

    // Another identity key for the same account, an older list, a taken device id.
    const otherKey = registrationBody(p, {
      account: mallory,
      device,
      list: listFor(p, mallory, [device], 5),
    });
    expect((await client.call('POST', '/api/v1/devices', otherKey)).body.code).toBe(
      'RELAY_ERR_ACCOUNT_KEY',
    );
    const stale = registrationBody(p, {
      account: alice.account,
      device,
      list: listFor(p, alice.account, [alice.device, device], 1),
    });
    expect((await client.call('POST', '/api/v1/devices', stale)).body.code).toBe(
      'RELAY_ERR_DEVICE_LIST_COUNTER',
    );
    const impostor = createDeviceKeys(p, 1);
    const taken = registrationBody(p, {
      account: alice.account,
      device: impostor,
      list: listFor(p, alice.account, [impostor], 3),
    });
    expect((await client.call('POST', '/api/v1/devices', taken)).body.code).toBe(
      'RELAY_ERR_DEVICE_EXISTS',
    );

    // None of that changed anything: the good registration still goes through.
    expect((await client.call('POST', '/api/v1/devices', good)).status).toBe(201);
  });

  it('needs a session for every key route', async () => {
    const anonymous = new AuthClient(relay);
    for (const [method, path] of [
      ['GET', '/api/v1/devices'],
      ['POST', '/api/v1/devices'],
      ['GET', '/api/v1/keys/prekeys'],
      ['GET', '/api/v1/directory/alice'],
      ['POST', '/api/v1/directory/alice/bundles'],
      ['GET', '/api/v1/account/key-backup'],
    ] as const) {
      const answer = await anonymous.call(method, path, method === 'POST' ? {} : undefined);
      expect(answer.status, `${method} ${path}`).toBe(401);
    }
  });
});

describe('device claims and the device list', () => {
  it('binds a new session to an existing device only with that device key', async () => {
    const alice = await registeredDevice(relay, 'alice');
    const again = new AuthClient(relay);
    expect((await again.login('alice', 'pw of alice')).status).toBe(200);
    expect((await again.call('GET', '/api/v1/keys/prekeys')).body.code).toBe(
      'RELAY_ERR_DEVICE_NOT_BOUND',
    );

    const { body } = await again.call<DeviceClaimChallenge>('GET', '/api/v1/devices/claim');
    const message = concatBytes(utf8(DEVICE_CLAIM_LABEL), fromBase64Url(body.challenge));
    const wrongKey = createDeviceKeys(alice.p, 1);
    const refused = await again.call('POST', '/api/v1/devices/claim', {
      deviceId: 1,
      signature: toBase64Url(alice.p.sign(wrongKey.signing.secretKey, message)),
    });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('RELAY_ERR_DEVICE_CLAIM');

    // A signature over another session's challenge does not carry over.
    const { body: aliceChallenge } = await alice.client.call<DeviceClaimChallenge>(
      'GET',
      '/api/v1/devices/claim',
    );
    expect(aliceChallenge.challenge).not.toBe(body.challenge);

    const claimed = await again.call<DeviceBoundReply>('POST', '/api/v1/devices/claim', {
      deviceId: 1,
      signature: toBase64Url(alice.p.sign(alice.device.signing.secretKey, message)),
    });
    expect(claimed.status).toBe(200);
    expect(claimed.body.deviceId).toBe(1);
    expect((await again.call('GET', '/api/v1/keys/prekeys')).status).toBe(200);
  });

  it('removes a device the new list leaves out: its keys, and its sessions', async () => {
    const alice = await registeredDevice(relay, 'alice');
    const { p } = alice;
    const laptop = new AuthClient(relay);
    await laptop.login('alice', 'pw of alice');
    const device2 = createDeviceKeys(p, 2);
    const list2 = listFor(p, alice.account, [alice.device, device2], 2);
    const added = await laptop.call(
      'POST',
      '/api/v1/devices',
      registrationBody(p, { account: alice.account, device: device2, list: list2, firstId: 50 }),
    );
    expect(added.status).toBe(201);

    const own = await alice.client.call<OwnDevicesReply>('GET', '/api/v1/devices');
    expect(own.body.devices.map((d) => [d.deviceId, d.current])).toEqual([
      [1, true],
      [2, false],
    ]);

    const list3 = listFor(p, alice.account, [alice.device], 3);
    const { encodeDeviceList } = await import('@veil/protocol');
    const replaced = await alice.client.call('PUT', '/api/v1/devices/list', {
      deviceList: toBase64Url(encodeDeviceList(list3)),
    });
    expect(replaced.status).toBe(204);
    expect((await laptop.call('GET', '/api/v1/keys/prekeys')).status).toBe(401);

    const bob = await registeredDevice(relay, 'bob');
    const bundles = await bob.client.call<BundleReply>(
      'POST',
      '/api/v1/directory/alice/bundles',
      {},
    );
    expect(bundles.body.bundles.map((b) => b.deviceId)).toEqual([1]);

    // Replaying the older list is refused.
    const replay = await alice.client.call('PUT', '/api/v1/devices/list', {
      deviceList: toBase64Url(encodeDeviceList(list2)),
    });
    expect(replay.body.code).toBe('RELAY_ERR_DEVICE_LIST_COUNTER');
  });
});

describe('device lists from a second device', () => {
  it('takes a new device only under a list the account key signed, with a higher counter', async () => {
    const alice = await registeredDevice(relay, 'alice');
    const { p } = alice;
    const laptop = new AuthClient(relay);
    await laptop.login('alice', 'pw of alice');
    const device2 = createDeviceKeys(p, 2);
    const register = (list: ReturnType<typeof listFor>) =>
      laptop.call(
        'POST',
        '/api/v1/devices',
        registrationBody(p, { account: alice.account, device: device2, list, firstId: 50 }),
      );

    // The relay (or anyone) cannot add a device with a list it signed itself...
    const mallory = createAccountIdentity(p, 'alice');
    const unsigned = await register(listFor(p, mallory, [alice.device, device2], 2));
    expect(unsigned.body.code).toBe('RELAY_ERR_KEY_MATERIAL');
    // ...nor with a list whose signed bytes were edited after signing...
    const edited = listFor(p, alice.account, [alice.device, device2], 2);
    const tampered = await register({ ...edited, counter: 3 });
    expect(tampered.body.code).toBe('RELAY_ERR_KEY_MATERIAL');
    // ...nor with the counter the account's list already has.
    const same = await register(listFor(p, alice.account, [alice.device, device2], 1));
    expect(same.body.code).toBe('RELAY_ERR_DEVICE_LIST_COUNTER');

    expect((await register(edited)).status).toBe(201);
    const entry = await alice.client.call<DirectoryEntry>('GET', '/api/v1/directory/alice');
    const { decodeDeviceList } = await import('@veil/protocol');
    const served = decodeDeviceList(fromBase64Url(entry.body.deviceList));
    expect([served.counter, served.devices.map((d) => d.deviceId)]).toEqual([2, [1, 2]]);

    // A replacement list must be signed too.
    const { encodeDeviceList } = await import('@veil/protocol');
    const forged = await alice.client.call('PUT', '/api/v1/devices/list', {
      deviceList: toBase64Url(encodeDeviceList(listFor(p, mallory, [alice.device], 3))),
    });
    expect(forged.body.code).toBe('RELAY_ERR_KEY_MATERIAL');
  });
});

describe('last seen', () => {
  it('moves when it is a minute old, not on every connection', async () => {
    await registeredDevice(relay, 'alice');
    const row = await relay.app.db
      .selectFrom('devices')
      .select(['account_id', 'device_id'])
      .executeTakeFirstOrThrow();
    const device = { accountId: row.account_id, deviceId: row.device_id };
    const lastSeen = async () =>
      (
        await relay.app.db
          .selectFrom('devices')
          .select('last_seen_at')
          .where('account_id', '=', device.accountId)
          .where('device_id', '=', device.deviceId)
          .executeTakeFirstOrThrow()
      ).last_seen_at;

    const recent = Date.now() - 5_000;
    await relay.app.db.updateTable('devices').set({ last_seen_at: recent }).execute();
    await relay.app.keys.seen(device);
    expect(await lastSeen()).toBe(recent);

    await relay.app.db.updateTable('devices').set({ last_seen_at: null }).execute();
    await relay.app.keys.seen(device);
    expect(await lastSeen()).toBeGreaterThan(recent);

    const stale = Date.now() - 120_000;
    await relay.app.db.updateTable('devices').set({ last_seen_at: stale }).execute();
    await relay.app.keys.seen(device);
    expect(await lastSeen()).toBeGreaterThan(stale + 60_000);
  });
});

describe('prekey uploads and the key backup', () => {
  it('refills prekeys up to the per-device cap', async () => {
    const alice = await registeredDevice(relay, 'alice', { oneTimeCount: 0 });
    const { p } = alice;
    const batch = (firstId: number) =>
      registrationBody(p, {
        account: alice.account,
        device: alice.device,
        list: listFor(p, alice.account, [alice.device], 1),
        oneTimeCount: 200,
        firstId,
      });
    for (const firstId of [1000, 2000]) {
      const { oneTimePrekeys, pqOneTimePrekeys } = batch(firstId);
      const answer = await alice.client.call<PrekeyCount>('POST', '/api/v1/keys/prekeys', {
        oneTimePrekeys,
        pqOneTimePrekeys,
      });
      expect(answer.status).toBe(200);
    }
    const { oneTimePrekeys } = batch(3000);
    const full = await alice.client.call('POST', '/api/v1/keys/prekeys', { oneTimePrekeys });
    expect(full.status).toBe(409);
    expect(full.body.code).toBe('RELAY_ERR_TOO_MANY_PREKEYS');
    const counts = await alice.client.call<PrekeyCount>('GET', '/api/v1/keys/prekeys');
    expect(counts.body).toMatchObject({ oneTime: 400, pqOneTime: 400 });
  });

  it('keeps one key backup per account, written with compare-and-set', async () => {
    const alice = await registeredDevice(relay, 'alice');
    expect((await alice.client.call('GET', '/api/v1/account/key-backup')).status).toBe(404);
    const first = await alice.client.call<{ version: number }>(
      'PUT',
      '/api/v1/account/key-backup',
      {
        backup: 'AAAA',
        expectedVersion: 0,
      },
    );
    expect(first.body.version).toBe(1);
    const stale = await alice.client.call('PUT', '/api/v1/account/key-backup', {
      backup: 'BBBB',
      expectedVersion: 0,
    });
    expect(stale.body.code).toBe('RELAY_ERR_KEY_BACKUP_VERSION');
    const read = await alice.client.call('GET', '/api/v1/account/key-backup');
    expect(read.body).toEqual({ backup: 'AAAA', version: 1 });
  });
});
