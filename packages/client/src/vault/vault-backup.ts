// The encrypted backup file of this device's whole database ("Export backup" / "Restore from a
// backup file"): every row of every table, exactly as stored — sensitive rows are already sealed
// under the vault key, and the vault key travels only in its password/passkey wraps (the `meta`
// table) — wrapped once more as a whole under a separate backup passphrase by the protocol's
// streaming VEILVLT format. A restored database therefore still opens only with the account
// password it had when the backup was made.
import {
  createVaultImportReader,
  exportVaultStream,
  type Argon2idParams,
  type Primitives,
  type VaultRecord,
} from '@veil/protocol';
// The no-eval build, as in store/row-codec.ts: nothing here may trip the PWA's CSP.
import { Decoder, Encoder } from 'cbor-x/index-no-eval';
import type { Table } from 'dexie';
import { withHistoryLock } from '../store/history-lease';
import type { VeilDatabase } from '../store/veil-database';
import { VaultLock } from './vault-lock';

// Rows are plain structures holding Uint8Array (as row-codec.ts stores them): CBOR keeps the bytes.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

/** Rows read or written per IndexedDB request: memory stays bounded however large the vault. */
const PAGE_ROWS = 200;
/** Written last on restore: the vault-key wraps there are what makes a database count as a vault. */
const META_TABLE = 'meta';

export interface VaultBackupOptions {
  readonly p: Primitives;
  readonly db: VeilDatabase;
  /** The backup passphrase; not the account password (though nothing stops a person reusing it). */
  readonly passphrase: string;
}

/**
 * The backup file as a stream of pieces. Rows are read a page at a time by primary key, so a
 * message arriving during the export may or may not be in it; every row in it is whole.
 */
export function exportVaultBackup(
  options: VaultBackupOptions & { params?: Argon2idParams },
): AsyncGenerator<Uint8Array> {
  return exportVaultStream(options.p, {
    password: options.passphrase,
    ...(options.params === undefined ? {} : { params: options.params }),
    records: databaseRecords(options.db),
  });
}

/**
 * Restores a backup file into a database that holds no vault. Rows stream in as the file is read,
 * but the `meta` rows (the vault-key wraps) are written only after the file has been read to its
 * authenticated end; a wrong passphrase, a damaged or cut file leaves no vault behind (the partial
 * rows are cleared), so the restore can simply be tried again.
 */
export async function restoreVaultBackup(
  options: VaultBackupOptions & { source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> },
): Promise<void> {
  // Message rows come back with their counters: no store may append meanwhile from counters it
  // kept in memory (another tab still holding an old copy of this database's history).
  await withHistoryLock(options.db.name, () => restore(options));
}

async function restore(
  options: VaultBackupOptions & { source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> },
): Promise<void> {
  const { p, db } = options;
  if (await new VaultLock(p, db).exists()) {
    throw new Error('restoreVaultBackup: this browser already holds a Veil vault');
  }
  await clear(db);
  try {
    const reader = createVaultImportReader(p, { password: options.passphrase });
    const meta: VaultRecord[] = [];
    const pending = new Map<string, unknown[]>();
    const flush = async (): Promise<void> => {
      for (const [table, rows] of pending) await tableOf(db, table).bulkPut(rows);
      pending.clear();
    };
    let count = 0;
    for await (const piece of options.source) {
      for (const record of reader.push(piece)) {
        if (record.table === META_TABLE) {
          meta.push(record);
          continue;
        }
        tableOf(db, record.table); // an unknown table fails now, not at the next flush
        const rows = pending.get(record.table) ?? [];
        rows.push(decoder.decode(record.value));
        pending.set(record.table, rows);
        if (++count % PAGE_ROWS === 0) await flush();
      }
    }
    reader.finish(); // TRUNCATED unless the file reached its final chunk
    await flush();
    await db.meta.bulkPut(meta.map((record) => decoder.decode(record.value) as never));
  } catch (error) {
    await clear(db);
    throw error;
  }
}

async function* databaseRecords(db: VeilDatabase): AsyncGenerator<VaultRecord> {
  for (const table of db.tables) {
    let after: string | undefined;
    for (;;) {
      const collection =
        after === undefined ? table.orderBy(':id') : table.where(':id').above(after);
      const rows = (await collection.limit(PAGE_ROWS).toArray()) as Record<string, unknown>[];
      for (const row of rows) {
        const id = primaryKeyOf(table, row);
        // Copied: the encoder may reuse its buffer for the next row.
        yield { table: table.name, id, value: new Uint8Array(encoder.encode(row)) };
        after = id;
      }
      if (rows.length < PAGE_ROWS) break;
    }
  }
}

function primaryKeyOf(table: Table, row: Record<string, unknown>): string {
  const keyPath = table.schema.primKey.keyPath;
  const id = typeof keyPath === 'string' ? row[keyPath] : undefined;
  // Every table of VeilDatabase is keyed by a string; anything else is a schema this code predates.
  if (typeof id !== 'string')
    throw new Error(`exportVaultBackup: ${table.name} has a non-string key`);
  return id;
}

function tableOf(db: VeilDatabase, name: string): Table {
  const table = db.tables.find((candidate) => candidate.name === name);
  if (table === undefined) throw new Error(`restoreVaultBackup: unknown table in the file`);
  return table;
}

async function clear(db: VeilDatabase): Promise<void> {
  await db.transaction('rw', db.tables, async () => {
    for (const table of db.tables) await table.clear();
  });
}
