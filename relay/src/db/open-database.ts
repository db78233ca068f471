// Opens the relay's SQLite database (better-sqlite3 behind Kysely) and brings its schema up to date.
// WAL with synchronous=FULL: a transaction that returned is on disk, which is what lets the relay
// acknowledge an envelope only after its commit and lose nothing to SIGKILL or power loss.
import { chmodSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { migrations } from './migrations/index';
import type { Database } from './schema';
import { withStatementCache } from './statement-cache';

export const DATABASE_FILE = 'veil.db';

export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly sqlite: SQLite.Database;
  close(): Promise<void>;
}

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

export async function openDatabase(dataDir: string): Promise<OpenedDatabase> {
  const path = join(dataDir, DATABASE_FILE);
  // Owner-only from the first byte: create the file 0600 before SQLite opens it (its WAL and
  // shared-memory files take the database file's mode), and tighten an older file too.
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Deleted rows (acknowledged envelopes, used prekeys) are overwritten, not left readable in free pages.
  sqlite.pragma('secure_delete = ON');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
  return {
    db,
    sqlite,
    close: () => db.destroy(),
  };
}
