// Group commit: submissions that arrive while the database is busy share the next transaction,
// so one fsync makes many of them durable. Each caller's promise settles only after the commit
// that holds its item returned (or failed), so nobody is acknowledged before their data is on disk.
//
// Batches form by themselves: a commit blocks the event loop for its fsync (better-sqlite3 is
// synchronous), the requests that arrived meanwhile are parsed in the next poll phase, and the
// flush runs in the check phase right after it (setImmediate), taking all of them at once. An idle
// relay therefore commits a lone submission within the same event-loop turn: no timer, no added
// latency. Under load the batch grows with the fsync time, which is what keeps throughput up.

export type Settled<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

export interface CommitQueue<T, R> {
  /** Resolves with this item's result once the transaction holding it committed. */
  push(item: T): Promise<R>;
}

export function commitQueue<T, R>(options: {
  /** Writes the batch in one transaction; one result per item, in order. */
  commit: (items: readonly T[]) => Promise<readonly Settled<R>[]>;
  /** Caps a transaction's size (and so the latency of the first item in it). */
  maxBatch: number;
}): CommitQueue<T, R> {
  const waiting: Waiting<T, R>[] = [];
  let scheduled = false;
  let running = false;

  const schedule = (): void => {
    if (scheduled || running || waiting.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  const flush = async (): Promise<void> => {
    running = true;
    const batch = waiting.splice(0, options.maxBatch);
    try {
      const results = await options.commit(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => {
        const result = results[i];
        if (result === undefined) entry.reject(new Error('commit queue: no result for an item'));
        else if (result.ok) entry.resolve(result.value);
        else entry.reject(result.error);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      running = false;
      schedule();
    }
  };

  return {
    push: (item) =>
      new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        schedule();
      }),
  };
}
