// `veil-relay users` against a real migrated database and real blob files.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobFiles } from '../blobs/blob-files';
import { runCli } from './main';
import { recordingIo, type Scratch, scratchRelay, seedAccount } from './test-support/cli-fixtures';
import { deleteUser, listUsers, setUserStatus } from './users';

let scratch: Scratch;

beforeEach(async () => {
  scratch = await scratchRelay();
});

afterEach(async () => {
  await scratch.remove();
});

describe('veil-relay users', () => {
  it('lists accounts with their status, device count and last activity, and nothing else', async () => {
    const { db } = scratch.opened;
    const now = Date.now();
    await seedAccount(db, scratch.keys, { username: 'bob', devices: 2, now });
    await seedAccount(db, scratch.keys, { username: 'alice', devices: 1, sessions: 0, now });

    const rows = await listUsers(db);
    expect(rows.map((row) => [row.username, row.status, row.devices])).toEqual([
      ['alice', 'active', 1],
      ['bob', 'active', 2],
    ]);
    // Alice has no session: her last activity is her device's; Bob's session is the most recent.
    expect(rows[0]!.lastSeenAt).toBe(now - 60_000);
    expect(rows[1]!.lastSeenAt).toBe(now - 1000);

    const io = recordingIo(scratch.env);
    expect(await runCli(['users', 'list'], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^username\s+created\s+status\s+devices\s+last seen$/);
    expect(io.stdout.slice(1).map((line) => line.split(/\s{2,}/)[0])).toEqual(['alice', 'bob']);
    expect(io.stdout.join('\n')).not.toContain('Firefox');
  });

  it('disables an account, signs it out everywhere, and enables it again', async () => {
    const { db } = scratch.opened;
    const { id } = await seedAccount(db, scratch.keys, { username: 'carol', sessions: 2 });

    const io = recordingIo(scratch.env);
    expect(await runCli(['users', 'disable', 'Carol'], io)).toBe(0);
    const disabled = await db
      .selectFrom('accounts')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(disabled.status).toBe('disabled');
    const sessions = await db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', id)
      .execute();
    expect(sessions).toEqual([]);

    await setUserStatus(db, 'carol', 'active');
    expect((await listUsers(db))[0]!.status).toBe('active');
  });

  it('refuses unknown accounts and a delete without --yes', async () => {
    await seedAccount(scratch.opened.db, scratch.keys, { username: 'dave' });
    const io = recordingIo(scratch.env);
    expect(await runCli(['users', 'disable', 'nobody'], io)).toBe(1);
    expect(io.stderr.join('\n')).toContain('no account named "nobody"');
    expect(await runCli(['users', 'delete', 'dave'], io)).toBe(2);
    expect((await listUsers(scratch.opened.db)).map((row) => row.username)).toEqual(['dave']);
  });

  it('deletes an account with its rows and its blob files, and leaves other accounts alone', async () => {
    const { db } = scratch.opened;
    const erin = await seedAccount(db, scratch.keys, { username: 'erin', sessions: 2, blobs: 2 });
    const frank = await seedAccount(db, scratch.keys, { username: 'frank', blobs: 1 });
    const files = await BlobFiles.open(scratch.dataDir);
    for (const id of [...erin.blobIds, ...frank.blobIds]) {
      await writeFile(join(files.dir, id), randomBytes(64));
    }
    await db
      .insertInto('opaque_logins')
      .values({
        id: 'x',
        username: 'erin',
        server_state: randomBytes(64),
        expires_at: Date.now() + 60_000,
      })
      .execute();

    const io = recordingIo(scratch.env);
    expect(await runCli(['users', 'delete', 'erin', '--yes'], io)).toBe(0);
    expect(io.stdout[0]).toBe(
      'deleted erin: 2 session(s) revoked, 1 device(s), 2 attachment file(s) removed',
    );
    for (const table of ['sessions', 'devices', 'blobs'] as const) {
      const left = await db
        .selectFrom(table)
        .select('account_id')
        .where('account_id', '=', erin.id)
        .execute();
      expect(left).toEqual([]);
    }
    expect(await db.selectFrom('opaque_logins').selectAll().execute()).toEqual([]);
    for (const id of erin.blobIds) expect(existsSync(join(files.dir, id))).toBe(false);
    expect(existsSync(join(files.dir, frank.blobIds[0]!))).toBe(true);
    expect((await listUsers(db)).map((row) => row.username)).toEqual(['frank']);

    await expect(deleteUser({ db, dataDir: scratch.dataDir, username: 'erin' })).rejects.toThrow(
      'no account named',
    );
  });

  it('does not create a database when the data directory is wrong', async () => {
    const io = recordingIo({ VEIL_DATA_DIR: join(scratch.dir, 'typo') });
    expect(await runCli(['users', 'list'], io)).toBe(1);
    expect(io.stderr[0]).toContain('no database at');
    expect(existsSync(join(scratch.dir, 'typo'))).toBe(false);
  });
});
