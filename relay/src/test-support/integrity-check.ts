// SQLite's own consistency check of a relay's database file, for tests that kill the relay
// mid-write: `PRAGMA integrity_check` answers the single row "ok" when the file is sound.
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { DATABASE_FILE } from '../db/open-database';

export function integrityCheck(dataDir: string): string[] {
  // Not read-only: after a SIGKILL the WAL is replayed into the file first, as the relay would.
  const sqlite = new SQLite(join(dataDir, DATABASE_FILE));
  try {
    const rows = sqlite.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((row) => row.integrity_check);
  } finally {
    sqlite.close();
  }
}
