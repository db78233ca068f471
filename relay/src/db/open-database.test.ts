import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-db-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('migrates a new file, is durable (WAL, synchronous FULL) and reopens idempotently', async () => {
    const opened = await openDatabase(dir);
    expect(opened.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(opened.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    expect(opened.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    await opened.db.insertInto('accounts').values({ username: 'alice', created_at: 1 }).execute();
    await opened.close();
    const again = await openDatabase(dir);
    const accounts = await again.db.selectFrom('accounts').select('username').execute();
    expect(accounts).toEqual([{ username: 'alice' }]);
    await again.close();
  });

  it('deleting an account cascades to everything it owns', async () => {
    const opened = await openDatabase(dir);
    const db = opened.db;
    const { id } = await db
      .insertInto('accounts')
      .values({ username: 'bob', created_at: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('sessions')
      .values({
        token_hash: Buffer.alloc(32, 1),
        account_id: id,
        auth_method: 'password',
        label: 'x',
        created_at: 1,
        last_seen_at: 1,
        expires_at: 2,
      })
      .execute();
    await db
      .insertInto('activity_log')
      .values({ account_id: id, at: 1, kind: 'sign-in', detail: null })
      .execute();
    await db.deleteFrom('accounts').where('id', '=', id).execute();
    expect(
      await db.selectFrom('sessions').selectAll().where('account_id', '=', id).execute(),
    ).toEqual([]);
    expect(
      await db.selectFrom('activity_log').selectAll().where('account_id', '=', id).execute(),
    ).toEqual([]);
    await opened.close();
  });
});
