// The key directory as `app.keys`: device registration and claims, the signed device list, prekey
// uploads and bundle hand-out, the account-key backup. Everything it stores is public key material
// or client-side ciphertext; what it checks is in key-checks.ts, how prekeys are taken in
// prekey-store.ts. Removing a device from the list removes its keys and mailbox and ends its
// sessions (announced on `app.keys.events` so its sockets close with "device removed").
import { EventEmitter } from 'node:events';
import {
  decodeDeviceCertificate,
  decodeWith,
  encodePrekeyBundle,
  fromBase64Url,
  loadPrimitives,
  PREKEY_POLICY,
  readOneTimePrekey,
  readPqPrekey,
  readSignedPrekey,
  toBase64Url,
  utf8,
  type Ed25519PublicKey,
  type Primitives,
  type DeviceList,
} from '@veil/protocol';
import {
  ActivityKind,
  type BundleReply,
  type DeviceBoundReply,
  type DeviceClaimBody,
  type DeviceRegisterBody,
  type DirectoryEntry,
  type KeyBackup,
  type OwnDevicesReply,
  type PrekeyCount,
  type PrekeyUploadBody,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema';
import {
  RelayAccountKeyMismatchError,
  RelayDeviceClaimError,
  RelayDeviceExistsError,
  RelayDeviceListRollbackError,
  RelayDeviceNotBoundError,
  RelayKeyBackupConflictError,
  RelayKeyBackupNotFoundError,
  RelayKeyMaterialError,
  RelayNoSuchAccountError,
} from '../errors';
import type { AuthenticatedSession } from '../plugins/app/sessions';
import {
  checkAccountKey,
  checkCertificate,
  checkDeviceList,
  checkListNamesDevice,
  checkPrekeys,
} from './key-checks';
import { lastSeenWriter } from './last-seen';
import { countPrekeys, storePrekeys, takeOneTimePrekey, type DeviceAddress } from './prekey-store';

/** What a device signs to claim a new session: this label, then the session's challenge. */
export const DEVICE_CLAIM_LABEL = 'veil-relay-device-claim-v1';

/** How stale a device's "last seen" may get before a connection writes it again. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface KeyEvents {
  'devices-removed': [accountId: number, deviceIds: readonly number[]];
}

export interface KeyDirectory {
  readonly events: EventEmitter<KeyEvents>;
  register(session: AuthenticatedSession, body: DeviceRegisterBody): Promise<DeviceBoundReply>;
  replaceDeviceList(session: AuthenticatedSession, deviceList: string): Promise<void>;
  claimChallenge(session: AuthenticatedSession): Uint8Array;
  claim(session: AuthenticatedSession, body: DeviceClaimBody): Promise<DeviceBoundReply>;
  ownDevices(session: AuthenticatedSession): Promise<OwnDevicesReply>;
  uploadPrekeys(session: AuthenticatedSession, body: PrekeyUploadBody): Promise<PrekeyCount>;
  counts(device: DeviceAddress): Promise<PrekeyCount>;
  directory(username: string): Promise<DirectoryEntry>;
  bundles(username: string, deviceIds: readonly number[] | undefined): Promise<BundleReply>;
  readBackup(accountId: number): Promise<KeyBackup>;
  /** Compare-and-set on the version; `db` runs it inside a caller's transaction. */
  writeBackup(
    accountId: number,
    backup: string,
    expectedVersion: number,
    options?: { db?: Transaction<Database> },
  ): Promise<number>;
  /** The session's device, or 403 when the session is not bound to one. */
  boundDevice(session: AuthenticatedSession): DeviceAddress;
  /**
   * The device connected or left: its "last seen" time (shown to its owner's other devices) moves,
   * unless it moved less than a minute ago.
   */
  seen(device: DeviceAddress): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    keys: KeyDirectory;
  }
}

async function keyDirectory(app: FastifyInstance): Promise<void> {
  const p: Primitives = await loadPrimitives();
  const events = new EventEmitter<KeyEvents>();

  const account = async (accountId: number) =>
    app.db
      .selectFrom('accounts')
      .select(['username', 'account_key'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();

  // Coalesced per event-loop turn (last-seen.ts); moves only once it is a minute old, as the
  // session's does (sessions.ts): a person reads it as "a few minutes ago", never to the second.
  const touch = lastSeenWriter(app.db, LAST_SEEN_RESOLUTION_MS);

  const bindSession = async (session: AuthenticatedSession, deviceId: number) => {
    await app.db
      .updateTable('sessions')
      .set({ device_id: deviceId })
      .where('id', '=', session.id)
      .execute();
    await touch({ accountId: session.accountId, deviceId });
  };

  /**
   * After a new list committed: the account's other listed devices hear of it over their sockets,
   * so they fetch and verify it now (a rename shows, an added device gets sent transcripts)
   * rather than when the one they hold grows old.
   */
  const announceList = (accountId: number, list: DeviceList, by: number) => {
    for (const { deviceId } of list.devices) {
      if (deviceId === by) continue;
      app.notifier.publish({ accountId, deviceId }, { kind: 'device-list', counter: list.counter });
    }
  };

  /** Drops relay-side devices the new list no longer names; returns their ids. */
  const removeUnlisted = async (
    trx: Transaction<Database>,
    accountId: number,
    listed: readonly number[],
  ): Promise<number[]> => {
    const stored = await trx
      .selectFrom('devices')
      .select('device_id')
      .where('account_id', '=', accountId)
      .execute();
    const removed = stored.map((row) => row.device_id).filter((id) => !listed.includes(id));
    if (removed.length === 0) return removed;
    for (const table of [
      'signed_prekeys',
      'one_time_prekeys',
      'last_resort_prekeys',
      'deliveries',
      'mailbox_heads',
      'devices',
    ] as const) {
      await trx
        .deleteFrom(table)
        .where('account_id', '=', accountId)
        .where('device_id', 'in', removed)
        .execute();
    }
    return removed;
  };

  /** After the commit: end the removed devices' sessions and tell their sockets. */
  const announceRemoved = async (accountId: number, removed: readonly number[]) => {
    if (removed.length === 0) return;
    const sessions = await app.db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', accountId)
      .where('device_id', 'in', removed)
      .execute();
    events.emit('devices-removed', accountId, removed);
    await app.sessions.revoke(
      accountId,
      sessions.map((row) => row.id),
    );
    for (const deviceId of removed) {
      await app.activity.record(accountId, ActivityKind.deviceRemoved, `device ${deviceId}`);
    }
  };

  const storedListCounter = async (trx: Transaction<Database>, accountId: number) =>
    (
      await trx
        .selectFrom('device_lists')
        .select('counter')
        .where('account_id', '=', accountId)
        .executeTakeFirst()
    )?.counter ?? null;

  const writeList = async (
    trx: Transaction<Database>,
    accountId: number,
    counter: number,
    encoded: Uint8Array,
  ) => {
    const now = Date.now();
    await trx
      .insertInto('device_lists')
      .values({ account_id: accountId, counter, list: encoded, updated_at: now })
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet({ counter, list: encoded, updated_at: now }),
      )
      .execute();
  };

  const service: KeyDirectory = {
    events,

    seen: touch,

    boundDevice(session) {
      if (session.deviceId === null) throw new RelayDeviceNotBoundError();
      return { accountId: session.accountId, deviceId: session.deviceId };
    },

    async register(session, body) {
      const { username, account_key: storedKey } = await account(session.accountId);
      const accountKey = checkAccountKey(body.accountKey);
      if (storedKey !== null && !Buffer.from(storedKey).equals(accountKey)) {
        throw new RelayAccountKeyMismatchError();
      }
      const expected = { accountId: username, accountKey };
      const { certificate, encoded: encodedCertificate } = checkCertificate(
        p,
        expected,
        body.certificate,
      );
      const { list, encoded: encodedList } = checkDeviceList(p, expected, body.deviceList);
      checkListNamesDevice(list, certificate);
      const prekeys = checkPrekeys(p, certificate.signingKey, body);
      const deviceId = certificate.deviceId;
      const address = { accountId: session.accountId, deviceId };

      const removed = await app.db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('devices')
          .select(['signing_key', 'identity_key'])
          .where('account_id', '=', session.accountId)
          .where('device_id', '=', deviceId)
          .executeTakeFirst();
        const counter = await storedListCounter(trx, session.accountId);
        if (existing !== undefined) {
          // A retry of a registration whose reply was lost is fine; another device's id is not.
          const same =
            Buffer.from(existing.signing_key).equals(certificate.signingKey) &&
            Buffer.from(existing.identity_key).equals(certificate.identityKey);
          if (!same) throw new RelayDeviceExistsError();
        }
        if (counter !== null && list.counter < counter) throw new RelayDeviceListRollbackError();
        if (counter !== null && list.counter === counter && existing === undefined) {
          throw new RelayDeviceListRollbackError();
        }
        if (storedKey === null) {
          await trx
            .updateTable('accounts')
            .set({ account_key: accountKey })
            .where('id', '=', session.accountId)
            .execute();
        }
        await writeList(trx, session.accountId, list.counter, encodedList);
        const now = Date.now();
        if (existing === undefined) {
          await trx
            .insertInto('devices')
            .values({
              account_id: session.accountId,
              device_id: deviceId,
              identity_key: certificate.identityKey,
              signing_key: certificate.signingKey,
              certificate: encodedCertificate,
              created_at: now,
              last_seen_at: now,
            })
            .execute();
        }
        await storePrekeys(trx, address, prekeys, now);
        return removeUnlisted(
          trx,
          session.accountId,
          list.devices.map((device) => device.deviceId),
        );
      });
      await bindSession(session, deviceId);
      await app.activity.record(session.accountId, ActivityKind.deviceAdded, `device ${deviceId}`);
      await announceRemoved(session.accountId, removed);
      announceList(session.accountId, list, deviceId);
      return { deviceId, prekeys: await countPrekeys(app.db, address) };
    },

    async replaceDeviceList(session, deviceList) {
      const { deviceId } = service.boundDevice(session);
      const { username, account_key: storedKey } = await account(session.accountId);
      if (storedKey === null) throw new RelayDeviceNotBoundError();
      const expected = { accountId: username, accountKey: storedKey as Ed25519PublicKey };
      const { list, encoded } = checkDeviceList(p, expected, deviceList);
      const removed = await app.db.transaction().execute(async (trx) => {
        const counter = await storedListCounter(trx, session.accountId);
        if (counter !== null && list.counter <= counter) throw new RelayDeviceListRollbackError();
        await writeList(trx, session.accountId, list.counter, encoded);
        return removeUnlisted(
          trx,
          session.accountId,
          list.devices.map((device) => device.deviceId),
        );
      });
      await app.activity.record(
        session.accountId,
        ActivityKind.deviceListChanged,
        `counter ${list.counter}`,
      );
      await announceRemoved(session.accountId, removed);
      announceList(session.accountId, list, deviceId);
    },

    claimChallenge(session) {
      const id = new Uint8Array(8);
      new DataView(id.buffer).setBigUint64(0, BigInt(session.id));
      return app.relayKeys.mac(id, DEVICE_CLAIM_LABEL);
    },

    async claim(session, body) {
      const device = await app.db
        .selectFrom('devices')
        .select('signing_key')
        .where('account_id', '=', session.accountId)
        .where('device_id', '=', body.deviceId)
        .executeTakeFirst();
      const signed = new Uint8Array([
        ...utf8(DEVICE_CLAIM_LABEL),
        ...service.claimChallenge(session),
      ]);
      if (
        device === undefined ||
        !p.verify(device.signing_key as Ed25519PublicKey, signed, fromBase64Url(body.signature))
      ) {
        throw new RelayDeviceClaimError();
      }
      await bindSession(session, body.deviceId);
      const address = { accountId: session.accountId, deviceId: body.deviceId };
      return { deviceId: body.deviceId, prekeys: await countPrekeys(app.db, address) };
    },

    async ownDevices(session) {
      const devices = await app.db
        .selectFrom('devices')
        .select(['device_id', 'created_at', 'last_seen_at'])
        .where('account_id', '=', session.accountId)
        .orderBy('device_id')
        .execute();
      const list = await app.db
        .selectFrom('device_lists')
        .select('list')
        .where('account_id', '=', session.accountId)
        .executeTakeFirst();
      return {
        devices: devices.map((row) => ({
          deviceId: row.device_id,
          createdAt: row.created_at,
          lastSeenAt: row.last_seen_at,
          current: row.device_id === session.deviceId,
        })),
        deviceList: list === undefined ? null : toBase64Url(list.list),
      };
    },

    async uploadPrekeys(session, body) {
      const address = service.boundDevice(session);
      const device = await app.db
        .selectFrom('devices')
        .select('signing_key')
        .where('account_id', '=', address.accountId)
        .where('device_id', '=', address.deviceId)
        .executeTakeFirst();
      if (device === undefined) throw new RelayDeviceNotBoundError();
      const prekeys = checkPrekeys(p, device.signing_key as Ed25519PublicKey, body);
      await app.db.transaction().execute((trx) => storePrekeys(trx, address, prekeys, Date.now()));
      return countPrekeys(app.db, address);
    },

    counts: (device) => countPrekeys(app.db, device),

    async directory(username) {
      const row = await app.db
        .selectFrom('accounts')
        .innerJoin('device_lists', 'device_lists.account_id', 'accounts.id')
        .select(['accounts.username', 'accounts.account_key', 'device_lists.list'])
        .where('accounts.username', '=', username.toLowerCase())
        .where('accounts.status', '=', 'active')
        .executeTakeFirst();
      if (row === undefined || row.account_key === null) throw new RelayNoSuchAccountError();
      return {
        username: row.username,
        accountKey: toBase64Url(row.account_key),
        deviceList: toBase64Url(row.list),
      };
    },

    async bundles(username, deviceIds) {
      const target = await app.db
        .selectFrom('accounts')
        .select('id')
        .where('username', '=', username.toLowerCase())
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (target === undefined) throw new RelayNoSuchAccountError();
      let query = app.db
        .selectFrom('devices')
        .innerJoin('signed_prekeys', (join) =>
          join
            .onRef('signed_prekeys.account_id', '=', 'devices.account_id')
            .onRef('signed_prekeys.device_id', '=', 'devices.device_id'),
        )
        .innerJoin('last_resort_prekeys', (join) =>
          join
            .onRef('last_resort_prekeys.account_id', '=', 'devices.account_id')
            .onRef('last_resort_prekeys.device_id', '=', 'devices.device_id'),
        )
        .select([
          'devices.device_id',
          'devices.certificate',
          'signed_prekeys.body as signed',
          'last_resort_prekeys.body as lastResort',
        ])
        .where('devices.account_id', '=', target.id)
        .orderBy('devices.device_id');
      if (deviceIds !== undefined) query = query.where('devices.device_id', 'in', deviceIds);
      const devices = await query.execute();
      if (devices.length === 0) throw new RelayNoSuchAccountError();

      const bundles: BundleReply['bundles'] = [];
      for (const device of devices) {
        const address = { accountId: target.id, deviceId: device.device_id };
        const oneTime = await takeOneTimePrekey(app.db, address, 'x25519');
        const pqOneTime = await takeOneTimePrekey(app.db, address, 'mlkem');
        const bundle = encodePrekeyBundle({
          certificate: decodeDeviceCertificate(device.certificate),
          signedPrekey: decodeWith(device.signed, 'signedPrekey', readSignedPrekey),
          pqPrekey: decodeWith(pqOneTime ?? device.lastResort, 'pqPrekey', readPqPrekey),
          oneTimePrekey:
            oneTime === undefined
              ? undefined
              : decodeWith(oneTime, 'oneTimePrekey', readOneTimePrekey),
        });
        bundles.push({ deviceId: device.device_id, bundle: toBase64Url(bundle) });
        const left = await countPrekeys(app.db, address);
        if (Math.min(left.oneTime, left.pqOneTime) < PREKEY_POLICY.refillBelow) {
          app.notifier.publish(address, { kind: 'prekeys-low' });
        }
      }
      return { bundles };
    },

    async readBackup(accountId) {
      const row = await app.db
        .selectFrom('accounts')
        .select(['key_backup', 'key_backup_version'])
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      if (row.key_backup === null) throw new RelayKeyBackupNotFoundError();
      return { backup: toBase64Url(row.key_backup), version: row.key_backup_version };
    },

    async writeBackup(accountId, backup, expectedVersion, options) {
      const db = options?.db ?? app.db;
      let bytes: Uint8Array;
      try {
        bytes = fromBase64Url(backup);
      } catch {
        throw new RelayKeyMaterialError('backup: not base64url');
      }
      const updated = await db
        .updateTable('accounts')
        .set((eb) => ({
          key_backup: bytes,
          key_backup_version: eb('key_backup_version', '+', 1),
        }))
        .where('id', '=', accountId)
        .where('key_backup_version', '=', expectedVersion)
        .returning('key_backup_version')
        .executeTakeFirst();
      if (updated === undefined) throw new RelayKeyBackupConflictError();
      await app.activity.record(accountId, ActivityKind.keyBackupChanged, null, { db });
      return updated.key_backup_version;
    },
  };

  app.decorate('keys', service);
}

export default fp(keyDirectory, {
  name: 'keys',
  dependencies: ['database', 'relay-keys', 'notifier', 'sessions'],
});
