// One fsync'd transaction for a whole batch of mailbox writes. Each item is first checked (reads
// only: is it a retry, do its recipients exist?) and then written, in turn, so an item sees the
// writes of those before it. A refusal from the check settles that item alone: nothing of it was
// written. An error while writing one item (a constraint, a trigger) rolls the batch back as a
// whole; that item settles with the error and the others are written again as one batch. An error
// outside any item (BEGIN waiting out busy_timeout, COMMIT, a full disk) settles every item with
// it: retrying each alone would only repeat the wait or the failure once per item, synchronously,
// with the event loop blocked. No savepoint per item: in WAL mode each one opened a statement journal and doubled the
// cost of a write (bench: relay-store).
//
// The writes are synchronous better-sqlite3 calls on statements prepared once, so a batch runs from
// BEGIN to COMMIT without yielding; it waits only for Kysely's connection lock, so it never lands
// inside a Kysely transaction that is awaiting between its statements.
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Settled } from './commit-queue';

export interface ItemWriter<T, P, R> {
  /** Reads only; throws to refuse the item. */
  check(item: T): P;
  /** Writes what `check` planned. */
  write(plan: P): R;
  /** Around the items, in the same transaction: state and work the batch's items share. */
  begin?(): void;
  end?(): void;
}

export function batchTransaction<T, P, R>(
  db: Kysely<Database>,
  sqlite: SQLite.Database,
  writer: ItemWriter<T, P, R>,
): (items: readonly T[]) => Promise<Settled<R>[]> {
  // Which item's write threw, if one did: only that item is refused.
  let failedAt: number | undefined;
  const all = sqlite.transaction((items: readonly T[]): Settled<R>[] => {
    writer.begin?.();
    const settled = items.map((item, index): Settled<R> => {
      let plan: P;
      try {
        plan = writer.check(item);
      } catch (error) {
        return { ok: false, error };
      }
      failedAt = index;
      const value = writer.write(plan);
      failedAt = undefined;
      return { ok: true, value };
    });
    writer.end?.();
    return settled;
  });
  const run = (items: readonly T[]): Settled<R>[] => {
    failedAt = undefined;
    try {
      // IMMEDIATE takes the write lock at BEGIN, so another process on the file (a backup, the
      // CLI) makes the batch wait (busy_timeout) rather than fail halfway. With synchronous=FULL,
      // COMMIT has reached the disk when this returns, before anyone hears of the result.
      return all.immediate(items);
    } catch (error) {
      const failed = failedAt;
      if (failed === undefined) return items.map(() => ({ ok: false, error }));
      const others = run([...items.slice(0, failed), ...items.slice(failed + 1)]);
      return [...others.slice(0, failed), { ok: false, error }, ...others.slice(failed)];
    }
  };
  return (items) => db.connection().execute(() => Promise.resolve(run(items)));
}
