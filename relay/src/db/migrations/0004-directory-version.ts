// Migration 0004: a version number for "who has which devices". The mailbox resolves each
// submission's recipients (username, device id) to mailbox addresses, and a group message names
// the same thousand devices again and again: recipients.ts keeps what it looked up across batches
// and forgets it when this number moves. Triggers move it on every change that lookup reads
// (an account made, renamed, disabled or deleted; a device added or removed; a device list
// published), whoever writes it: the relay's routes, `veil-relay users disable` from another
// process, a cascade. It moves once per changed row; last-seen updates and prekeys don't touch it.
// SQLite drops a table's triggers with the table: a later migration that rebuilds accounts,
// devices or device_lists (create, copy, drop, rename) must create these again (the test checks
// that every one exists after the latest migration).
import { sql, type Kysely } from 'kysely';

/** Each trigger's table, event and, for updates, the columns whose change counts. */
export const TRIGGERS = [
  ['accounts', 'INSERT'],
  ['accounts', 'UPDATE OF username, status'],
  ['accounts', 'DELETE'],
  ['devices', 'INSERT'],
  ['devices', 'UPDATE OF account_id, device_id'],
  ['devices', 'DELETE'],
  ['device_lists', 'INSERT'],
  ['device_lists', 'UPDATE OF account_id, counter, updated_at'],
  ['device_lists', 'DELETE'],
] as const;

export const triggerName = (table: string, event: string) =>
  `directory_version_${table}_${event.split(' ')[0]!.toLowerCase()}`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('directory_version')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.insertInto('directory_version').values({ id: 1, version: 0 }).execute();
  for (const [table, event] of TRIGGERS) {
    await sql
      .raw(
        `CREATE TRIGGER ${triggerName(table, event)} AFTER ${event} ON ${table}
        BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, event] of TRIGGERS)
    await sql.raw(`DROP TRIGGER ${triggerName(table, event)}`).execute(db);
  await db.schema.dropTable('directory_version').execute();
}
