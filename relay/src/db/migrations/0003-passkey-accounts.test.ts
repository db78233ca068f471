// Migration 0003 on a database made by 0001–0002: existing passwords move to password_records
// intact, and the accounts keep working with a null (id-derived) WebAuthn handle.
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from './index';

describe('migration 0003-passkey-accounts', () => {
  it('moves every OPAQUE record to password_records and drops the old column', async () => {
    const db = new Kysely<any>({
      dialect: new SqliteDialect({ database: new Sqlite(':memory:') }),
    });
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(migrations) },
    });
    expect((await migrator.migrateTo('0002-submissions')).error).toBeUndefined();
    await db
      .insertInto('accounts')
      .values([
        { username: 'alice', opaque_record: 'record-a', created_at: 10 },
        { username: 'bob', opaque_record: 'record-b', created_at: 20 },
      ])
      .execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const records = await db
      .selectFrom('password_records')
      .innerJoin('accounts', 'accounts.id', 'password_records.account_id')
      .select(['username', 'opaque_record', 'updated_at', 'webauthn_user_id'])
      .orderBy('username')
      .execute();
    expect(records).toEqual([
      { username: 'alice', opaque_record: 'record-a', updated_at: 10, webauthn_user_id: null },
      { username: 'bob', opaque_record: 'record-b', updated_at: 20, webauthn_user_id: null },
    ]);
    const columns = await db.introspection.getTables();
    const accounts = columns.find((table) => table.name === 'accounts')!;
    expect(accounts.columns.map((column) => column.name)).not.toContain('opaque_record');

    expect((await migrator.migrateTo('0002-submissions')).error).toBeUndefined();
    const back = await db.selectFrom('accounts').select(['username', 'opaque_record']).execute();
    expect(back).toEqual([
      { username: 'alice', opaque_record: 'record-a' },
      { username: 'bob', opaque_record: 'record-b' },
    ]);
    await db.destroy();
  });
});
