// `veil-relay users`: list accounts, disable or enable one, delete one. What the list shows is what
// an operator needs to run a relay (name, age, status, device count, last activity) and no more:
// nothing about whom anyone writes to or how much.
import type { Kysely } from 'kysely';
import { BlobFiles } from '../blobs/blob-files';
import { normalizeUsername } from '../auth/usernames';
import type { Database } from '../db/schema';
import { CliError } from './cli-io';

export interface UserRow {
  readonly username: string;
  readonly createdAt: number;
  readonly status: 'active' | 'disabled';
  readonly devices: number;
  /** The latest of the account's session and device activity, or null if never seen. */
  readonly lastSeenAt: number | null;
}

export async function listUsers(db: Kysely<Database>): Promise<UserRow[]> {
  const rows = await db
    .selectFrom('accounts')
    .select((eb) => [
      'accounts.username',
      'accounts.created_at',
      'accounts.status',
      eb
        .selectFrom('devices')
        .select((inner) => inner.fn.countAll<number>().as('n'))
        .whereRef('devices.account_id', '=', 'accounts.id')
        .as('devices'),
      eb
        .selectFrom('sessions')
        .select((inner) => inner.fn.max('sessions.last_seen_at').as('t'))
        .whereRef('sessions.account_id', '=', 'accounts.id')
        .as('session_seen'),
      eb
        .selectFrom('devices')
        .select((inner) => inner.fn.max('devices.last_seen_at').as('t'))
        .whereRef('devices.account_id', '=', 'accounts.id')
        .as('device_seen'),
    ])
    .orderBy('accounts.username')
    .execute();
  return rows.map((row) => {
    const seen = [row.session_seen, row.device_seen].filter(
      (value): value is number => typeof value === 'number',
    );
    return {
      username: row.username,
      createdAt: row.created_at,
      status: row.status,
      devices: row.devices ?? 0,
      lastSeenAt: seen.length === 0 ? null : Math.max(...seen),
    };
  });
}

async function accountIdOf(db: Kysely<Database>, username: string): Promise<number> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where('username', '=', normalizeUsername(username))
    .executeTakeFirst();
  if (row === undefined) throw new CliError(`no account named ${JSON.stringify(username)}`);
  return row.id;
}

/**
 * Disables or re-enables an account. A disabled account cannot sign in, and its sessions and
 * half-finished sign-ins are deleted, so it is signed out everywhere (the relay refuses a disabled
 * account's remaining requests anyway). Its keys, mailbox and blobs stay until it is deleted.
 */
export async function setUserStatus(
  db: Kysely<Database>,
  username: string,
  status: 'active' | 'disabled',
): Promise<void> {
  const accountId = await accountIdOf(db, username);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('accounts').set({ status }).where('id', '=', accountId).execute();
    if (status === 'disabled') {
      await trx.deleteFrom('sessions').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('pending_logins').where('account_id', '=', accountId).execute();
    }
  });
}

export interface DeletedUser {
  readonly sessions: number;
  readonly devices: number;
  readonly blobFiles: number;
}

/**
 * Deletes an account as its owner could: every row it owns goes with it (foreign keys cascade:
 * sessions, factors, devices, prekeys, mailboxes, blob rows), its pending sign-ins by name, and
 * then the files of its blobs. Sessions are rows, so they are revoked by the same commit; a relay
 * running meanwhile refuses their next request.
 */
export async function deleteUser(options: {
  readonly db: Kysely<Database>;
  readonly dataDir: string;
  readonly username: string;
}): Promise<DeletedUser> {
  const { db, dataDir } = options;
  const username = normalizeUsername(options.username);
  const accountId = await accountIdOf(db, username);
  const counted = await db.transaction().execute(async (trx) => {
    const count = async (table: 'sessions' | 'devices'): Promise<number> => {
      const row = await trx
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      return row.n;
    };
    const blobIds = await trx
      .selectFrom('blobs')
      .select('id')
      .where('account_id', '=', accountId)
      .execute();
    const sessions = await count('sessions');
    const devices = await count('devices');
    await trx.deleteFrom('opaque_logins').where('username', '=', username).execute();
    await trx.deleteFrom('accounts').where('id', '=', accountId).execute();
    return { sessions, devices, blobIds: blobIds.map((row) => row.id) };
  });
  // After the commit: a file without a row is harmless (the relay's sweep removes such files too),
  // a row without its file would not be.
  const files = await BlobFiles.open(dataDir);
  for (const id of counted.blobIds) await files.remove(id);
  return {
    sessions: counted.sessions,
    devices: counted.devices,
    blobFiles: counted.blobIds.length,
  };
}
