// Adding rows to one table straight on Dexie's IndexedDB connection, for the history's hot path
// (MessageStore.append under the lease). Dexie's own add walks its middleware stack, zone-tracked
// promises and a temporary transaction object: in headless Chromium about half a millisecond per
// append on top of IndexedDB's own ~1 ms (docs/performance.md, figure 4). Nothing here uses what
// that buys (no liveQuery, no hooks), and the rows are already sealed, so a plain transaction is
// the same write. All rows go in one transaction: one failing add (a taken id) or a failed check
// aborts it, so none is kept.
import type { Dexie } from 'dexie';

/**
 * After the adds, in the same transaction, `index` must hold exactly `expect` keys in `range`,
 * or nothing is kept. The count is sent with the adds, not after them: no extra round trip.
 */
export interface IndexCheck {
  readonly index: string;
  readonly range: IDBKeyRange;
  readonly expect: number;
}

/** The check after the adds found other keys in its range: nothing was written. */
export class IndexCheckFailed extends Error {
  constructor(readonly found: number) {
    super(`the index held ${String(found)} keys where the adds expected fewer`);
  }
}

/**
 * Adds `rows` to `table` in one read-write transaction, or returns null when Dexie's connection is
 * not open (closed, or being reopened): the caller then goes through Dexie, which reopens it.
 */
export function addNatively(
  db: Dexie,
  table: string,
  rows: readonly object[],
  check: IndexCheck,
): Promise<void> | null {
  if (!db.isOpen()) return null;
  let tx: IDBTransaction;
  try {
    tx = db.backendDB().transaction(table, 'readwrite');
  } catch {
    // The connection is closing (another context deletes or upgrades the database).
    return null;
  }
  const store = tx.objectStore(table);
  for (const row of rows) store.add(row);
  let failed: IndexCheckFailed | null = null;
  const count = store.index(check.index).count(check.range);
  count.onsuccess = () => {
    if (count.result === check.expect) return;
    failed = new IndexCheckFailed(count.result);
    tx.abort();
  };
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(failed ?? tx.error ?? new Error(`adding to ${table} was aborted`));
  });
}
