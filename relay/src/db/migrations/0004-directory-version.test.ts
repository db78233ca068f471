// Migration 0004: the directory version moves on every change a recipient lookup reads, and on
// nothing else a busy relay writes all the time (a device's "last seen", its prekeys).
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { TRIGGERS, triggerName } from './0004-directory-version';
import { migrations } from './index';

describe('migration 0004-directory-version', () => {
  it('moves the version on account, device and device-list changes only', async () => {
    const sqlite = new Sqlite(':memory:');
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(migrations) },
    });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    // Every trigger still there after the latest migration (a table rebuild would drop its own).
    const triggers = sqlite
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)
      .all() as { name: string }[];
    expect(triggers.map((t) => t.name).sort()).toEqual(
      TRIGGERS.map(([table, event]) => triggerName(table, event)).sort(),
    );
    const version = () =>
      (sqlite.prepare('SELECT version FROM directory_version').get() as { version: number })
        .version;
    const moves = async (change: string): Promise<boolean> => {
      const before = version();
      await sql.raw(change).execute(db);
      return version() !== before;
    };

    expect(await moves(`INSERT INTO accounts (username, created_at) VALUES ('bob', 1)`)).toBe(true);
    expect(
      await moves(`INSERT INTO devices (account_id, device_id, identity_key, signing_key,
        certificate, created_at) VALUES (1, 1, x'00', x'00', x'00', 1), (1, 2, x'00', x'00', x'00', 1)`),
    ).toBe(true);
    expect(await moves(`UPDATE devices SET last_seen_at = 5 WHERE account_id = 1`)).toBe(false);
    expect(await moves(`UPDATE accounts SET failed_logins = 1 WHERE id = 1`)).toBe(false);
    expect(
      await moves(`INSERT INTO device_lists (account_id, counter, list, updated_at)
        VALUES (1, 1, x'00', 1)`),
    ).toBe(true);
    expect(
      await moves(`INSERT INTO device_lists (account_id, counter, list, updated_at)
        VALUES (1, 2, x'00', 2) ON CONFLICT (account_id) DO UPDATE SET counter = 2, updated_at = 2`),
    ).toBe(true);
    expect(await moves(`UPDATE devices SET device_id = 3 WHERE device_id = 2`)).toBe(true);
    expect(await moves(`DELETE FROM devices WHERE device_id = 3`)).toBe(true);
    expect(await moves(`UPDATE accounts SET username = 'robert' WHERE id = 1`)).toBe(true);
    expect(await moves(`DELETE FROM device_lists WHERE account_id = 1`)).toBe(true);
    expect(await moves(`UPDATE accounts SET status = 'disabled' WHERE id = 1`)).toBe(true);
    // The account's devices and list go with it by cascade.
    expect(await moves(`DELETE FROM accounts WHERE id = 1`)).toBe(true);

    expect((await migrator.migrateTo('0003-passkey-accounts')).error).toBeUndefined();
    const tables = await db.introspection.getTables();
    expect(tables.map((table) => table.name)).not.toContain('directory_version');
    await db.destroy();
  });
});
