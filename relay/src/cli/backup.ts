// `veil-relay backup <file>`: a consistent copy of the live database through SQLite's online
// backup API (safe while the relay runs and writes). The copy is created owner-only before a byte
// is written to it, and an existing file is never overwritten. The relay key file is NOT in it:
// without relay.key the copy's OPAQUE records and TOTP seeds are useless, so back the key up too,
// and keep it apart from the database copies.
import { open, rm, chmod } from 'node:fs/promises';
import { resolve } from 'node:path';
import type SQLite from 'better-sqlite3';
import { CliError } from './cli-io';

export interface BackupResult {
  readonly file: string;
  readonly pages: number;
}

export async function backupDatabase(
  sqlite: SQLite.Database,
  target: string,
): Promise<BackupResult> {
  const file = resolve(target);
  try {
    // 'wx' fails if the file exists: refusing to overwrite is decided by the file system, not by
    // a check that could race with another writer.
    const handle = await open(file, 'wx', 0o600);
    await handle.close();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(`${file} exists; choose a new file name`);
    throw new CliError(`cannot create ${file} (${code ?? 'unknown error'})`);
  }
  try {
    const { totalPages } = await sqlite.backup(file);
    // SQLite may recreate the file; make sure the copy stays owner-only either way.
    await chmod(file, 0o600);
    return { file, pages: totalPages };
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}
