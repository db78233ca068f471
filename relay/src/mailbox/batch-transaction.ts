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

/** Which item's write threw: only that item is refused. */
class ItemWriteFailed extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('a batch item failed to write', { cause });
  }
}

export function batchTransaction<T, P, R>(
  db: Kysely<Database>,
  sqlite: SQLite.Database,
  writer: ItemWriter<T, P, R>,
  options: {
    /**
     * False for writes whose loss in a crash costs nothing (acks: a lost one is a redelivery,
     * which clients drop): the commit skips its fsync (synchronous=NORMAL for this transaction)
     * and becomes durable with the next fsync'd commit, so it does not block the event loop on
     * the disk between fan-outs. Set inside Kysely's connection lock, so no other transaction
     * ever commits under it.
     */
    readonly fsync?: boolean;
  } = {},
): (items: readonly T[]) => Promise<Settled<R>[]> {
  const all = sqlite.transaction((items: readonly T[]): Settled<R>[] => {
    writer.begin?.();
    const settled = items.map((item, index): Settled<R> => {
      let plan: P;
      try {
        plan = writer.check(item);
      } catch (error) {
        return { ok: false, error };
      }
      try {
        return { ok: true, value: writer.write(plan) };
      } catch (error) {
        // Rolls the whole batch back; `run` refuses this item alone and writes the others again.
        throw new ItemWriteFailed(index, error);
      }
    });
    writer.end?.();
    return settled;
  });
  const run = (items: readonly T[]): Settled<R>[] => {
    try {
      // IMMEDIATE takes the write lock at BEGIN, so another process on the file (a backup, the
      // CLI) makes the batch wait (busy_timeout) rather than fail halfway. With synchronous=FULL,
      // COMMIT has reached the disk when this returns, before anyone hears of the result.
      return all.immediate(items);
    } catch (error) {
      if (!(error instanceof ItemWriteFailed)) return items.map(() => ({ ok: false, error }));
      const failed = error.index;
      const others = run([...items.slice(0, failed), ...items.slice(failed + 1)]);
      return [
        ...others.slice(0, failed),
        { ok: false, error: error.cause },
        ...others.slice(failed),
      ];
    }
  };
  const runOnce = (items: readonly T[]): Settled<R>[] => {
    if (options.fsync !== false) return run(items);
    // Restored to what the database was opened with, not to a level assumed here.
    const level = sqlite.pragma('synchronous', { simple: true }) as number;
    sqlite.pragma('synchronous = NORMAL');
    try {
      return run(items);
    } finally {
      sqlite.pragma(`synchronous = ${String(level)}`);
    }
  };
  return (items) => db.connection().execute(() => Promise.resolve(runOnce(items)));
}
