// Prekeys in the database: upload (bounded per device), counts, and the atomic hand-out of one-time
// prekeys. A one-time prekey is taken with a single DELETE ... RETURNING on one row, so two
// concurrent fetches can never both get it, on SQLite (serialised writers) as on Postgres (the
// loser's DELETE matches no row and it takes the next one).
import { PREKEY_LIMITS, type PrekeyCount } from '@veil/wire';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { RelayTooManyPrekeysError } from '../errors';
import type { CheckedPrekeys } from './key-checks';

type Db = Kysely<Database> | Transaction<Database>;
type OneTimeKind = 'x25519' | 'mlkem';

export interface DeviceAddress {
  readonly accountId: number;
  readonly deviceId: number;
}

export async function countPrekeys(db: Db, device: DeviceAddress): Promise<PrekeyCount> {
  const rows = await db
    .selectFrom('one_time_prekeys')
    .select(['kind', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
    .where('account_id', '=', device.accountId)
    .where('device_id', '=', device.deviceId)
    .groupBy('kind')
    .execute();
  const signed = await db
    .selectFrom('signed_prekeys')
    .select('created_at')
    .where('account_id', '=', device.accountId)
    .where('device_id', '=', device.deviceId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  // Postgres returns counts as strings (bigint); SQLite as numbers.
  const count = (kind: OneTimeKind) => Number(rows.find((row) => row.kind === kind)?.n ?? 0);
  return {
    oneTime: count('x25519'),
    pqOneTime: count('mlkem'),
    signedPrekeyAt: signed?.created_at ?? null,
  };
}

/** Stores an upload; the signed and last-resort prekeys replace the previous ones. */
export async function storePrekeys(
  trx: Transaction<Database>,
  device: DeviceAddress,
  prekeys: CheckedPrekeys,
  now: number,
): Promise<void> {
  const where = { account_id: device.accountId, device_id: device.deviceId };
  const before = await countPrekeys(trx, device);
  if (
    before.oneTime + prekeys.oneTime.length > PREKEY_LIMITS.stored ||
    before.pqOneTime + prekeys.pqOneTime.length > PREKEY_LIMITS.stored
  ) {
    throw new RelayTooManyPrekeysError();
  }
  if (prekeys.signedPrekey !== undefined) {
    await trx
      .deleteFrom('signed_prekeys')
      .where('account_id', '=', device.accountId)
      .where('device_id', '=', device.deviceId)
      .execute();
    await trx
      .insertInto('signed_prekeys')
      .values({
        ...where,
        prekey_id: prekeys.signedPrekey.prekey.id,
        body: prekeys.signedPrekey.encoded,
        created_at: now,
      })
      .execute();
  }
  if (prekeys.pqLastResort !== undefined) {
    await trx
      .insertInto('last_resort_prekeys')
      .values({
        ...where,
        prekey_id: prekeys.pqLastResort.prekey.id,
        body: prekeys.pqLastResort.encoded,
      })
      .onConflict((oc) =>
        oc.columns(['account_id', 'device_id']).doUpdateSet({
          prekey_id: prekeys.pqLastResort!.prekey.id,
          body: prekeys.pqLastResort!.encoded,
        }),
      )
      .execute();
  }
  const oneTimeRows = [
    ...prekeys.oneTime.map((entry) => ({
      ...where,
      kind: 'x25519' as const,
      prekey_id: entry.prekey.id,
      body: entry.encoded,
    })),
    ...prekeys.pqOneTime.map((entry) => ({
      ...where,
      kind: 'mlkem' as const,
      prekey_id: entry.prekey.id,
      body: entry.encoded,
    })),
  ];
  // A re-sent id keeps the first upload: the device holds the secret for the id it sent first.
  for (let i = 0; i < oneTimeRows.length; i += 100) {
    await trx
      .insertInto('one_time_prekeys')
      .values(oneTimeRows.slice(i, i + 100))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

/** Takes one one-time prekey of `kind` for good, or returns undefined when none is left. */
export async function takeOneTimePrekey(
  db: Kysely<Database>,
  device: DeviceAddress,
  kind: OneTimeKind,
): Promise<Uint8Array | undefined> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const taken = await db
      .deleteFrom('one_time_prekeys')
      .where('account_id', '=', device.accountId)
      .where('device_id', '=', device.deviceId)
      .where('kind', '=', kind)
      .where('prekey_id', '=', (eb) =>
        eb
          .selectFrom('one_time_prekeys')
          .select('prekey_id')
          .where('account_id', '=', device.accountId)
          .where('device_id', '=', device.deviceId)
          .where('kind', '=', kind)
          .orderBy('prekey_id')
          .limit(1),
      )
      .returning('body')
      .executeTakeFirst();
    if (taken !== undefined) return taken.body;
    // Nothing deleted: either none is left, or a concurrent fetch took the one we aimed at.
    const left = await countPrekeys(db, device);
    if ((kind === 'x25519' ? left.oneTime : left.pqOneTime) === 0) return undefined;
  }
  return undefined;
}
