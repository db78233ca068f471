// Fixtures for the CLI tests: a scratch data directory with a migrated database (a real SQLite
// file) and the relay key file, accounts seeded the way the relay would store them, and an io that
// records what a command printed.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { newBlobId } from '../../blobs/blob-files';
import { type OpenedDatabase, openDatabase } from '../../db/open-database';
import type { Database } from '../../db/schema';
import { type RelayKeys, loadRelayKeys } from '../../secrets/relay-keys';
import type { CliIo } from '../cli-io';

export interface Scratch {
  readonly dir: string;
  readonly dataDir: string;
  readonly opened: OpenedDatabase;
  readonly keys: RelayKeys;
  /** VEIL_* variables pointing the CLI at this data directory. */
  readonly env: Record<string, string>;
  remove(): Promise<void>;
}

export async function scratchRelay(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-cli-'));
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { mode: 0o700 });
  const opened = await openDatabase(dataDir);
  const keys = await loadRelayKeys(dataDir);
  let closed = false;
  return {
    dir,
    dataDir,
    opened,
    keys,
    env: { VEIL_DATA_DIR: dataDir, VEIL_LOG_LEVEL: 'silent' },
    async remove() {
      if (!closed) await opened.close();
      closed = true;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RecordedIo extends CliIo {
  readonly stdout: string[];
  readonly stderr: string[];
}

export function recordingIo(env: Record<string, string>): RecordedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    env,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
  };
}

export interface SeededAccount {
  readonly id: number;
  readonly blobIds: readonly string[];
}

/** An account as the relay stores one: OPAQUE record, sealed TOTP seed, devices, sessions, blobs. */
export async function seedAccount(
  db: Kysely<Database>,
  keys: RelayKeys,
  options: { username: string; devices?: number; sessions?: number; blobs?: number; now?: number },
): Promise<SeededAccount> {
  const now = options.now ?? Date.now();
  const { id } = await db
    .insertInto('accounts')
    .values({
      username: options.username,
      account_key: randomBytes(32),
      created_at: now - 86_400_000,
      key_backup: randomBytes(400),
      key_backup_version: 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('password_records')
    .values({ account_id: id, opaque_record: randomBytes(192).toString('base64'), updated_at: now })
    .execute();
  await db
    .updateTable('accounts')
    .set({ totp_secret: keys.seal(randomBytes(20), `totp:${id}`), totp_enabled: 1 })
    .where('id', '=', id)
    .execute();
  for (let device = 1; device <= (options.devices ?? 1); device += 1) {
    await db
      .insertInto('devices')
      .values({
        account_id: id,
        device_id: device,
        identity_key: randomBytes(32),
        signing_key: randomBytes(32),
        certificate: randomBytes(140),
        created_at: now - 3_600_000,
        last_seen_at: now - 60_000 * device,
      })
      .execute();
  }
  for (let session = 0; session < (options.sessions ?? 1); session += 1) {
    await db
      .insertInto('sessions')
      .values({
        token_hash: randomBytes(32),
        account_id: id,
        device_id: 1,
        auth_method: 'password',
        label: 'Firefox on Linux',
        created_at: now - 3_600_000,
        last_seen_at: now - 1000,
        expires_at: now + 86_400_000,
      })
      .execute();
  }
  const blobIds: string[] = [];
  for (let blob = 0; blob < (options.blobs ?? 0); blob += 1) {
    const blobId = newBlobId();
    blobIds.push(blobId);
    await db
      .insertInto('blobs')
      .values({
        id: blobId,
        account_id: id,
        size: 64,
        received: 64,
        complete: 1,
        created_at: now,
        expires_at: now + 86_400_000,
      })
      .execute();
  }
  return { id, blobIds };
}
