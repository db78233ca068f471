// The right to append to one database's history, held across a burst of appends. MessageStore keeps
// each conversation's last sequence number in memory only while it holds this lease, so an append
// is one write instead of an index read and a write. Every appender of the same database (another
// tab, another VeilDevice over it, a worker) takes the same exclusive lock before appending, so
// while we hold it nobody else can add a row behind our back; when it is given up and taken again,
// the numbers kept are dropped and read afresh. Safety comes from the lock (and, against a writer
// that takes none, from the count MessageStore sends with each write); the hint on the broadcast
// channel (below) only makes a holder give it up sooner.
//
// The lock is a Web Lock (navigator.locks) where there is one: shared by every tab, window and
// worker of the origin, like IndexedDB itself. Node (tests, tools) before 24 has no Web Locks; its
// IndexedDB (fake-indexeddb) lives in one process, so an in-process lock of the same name is the
// same guarantee there. A browser without Web Locks (a page not served over HTTPS) gets no lease:
// MessageStore then reads the last number inside every append's transaction, as it always could.

import { KeyedQueue } from '../messaging/keyed-queue';

/** The part of the Web Locks API used here (navigator.locks satisfies it). */
export interface LockRequester {
  request(name: string, hold: () => Promise<void>): Promise<unknown>;
}

/**
 * A holder that hears nobody asking keeps the lock this long after its last append, so messages
 * arriving in a burst (a mailbox drained after being offline, an import) pay one read per
 * conversation, not one per message. Someone waiting says so on the channel and gets it sooner.
 */
const IDLE_MS = 1000;

/** FIFO exclusive locks within this JavaScript realm, for where navigator.locks is missing. */
const localQueue = new KeyedQueue();
const localLocks: LockRequester = { request: (name, hold) => localQueue.run(name, hold) };

/** The lock (and channel) name for appending to the history of the database named `database`. */
export function historyLockName(database: string): string {
  return `veil-history:${database}`;
}

/** Web Locks; else, in Node only, the in-process ones; else none (nothing to cache under). */
export function defaultLocks(): LockRequester | null {
  const locks = (globalThis as { navigator?: { locks?: LockRequester } }).navigator?.locks;
  if (locks !== undefined) return locks;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions;
  return node?.node === undefined ? null : localLocks;
}

export class HistoryLease {
  /** Bumped each time the lock is taken: numbers kept under an older term may be stale. */
  private termValue = 0;
  private granted: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private active = 0;
  private lastUsed = 0;
  /** Another context asked for the lock since we asked for it: give it up once our work is done. */
  private wanted = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private channel: BroadcastChannel | null;

  constructor(
    private readonly name: string,
    private readonly locks: LockRequester,
  ) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
    if (this.channel !== null) {
      // Node keeps a process alive for an open channel; a lease must never do that.
      (this.channel as { unref?: () => void }).unref?.();
      this.channel.onmessage = () => this.yieldSoon();
    }
  }

  /** Which holding of the lock the current one is; changes every time it is taken again. */
  get term(): number {
    return this.termValue;
  }

  /**
   * Runs `work` while holding the lock (taking it first if needed). The lock is not given up while
   * any work runs, so whatever `work` reads and then writes nobody else appends in between.
   */
  async run<R>(work: () => Promise<R>): Promise<R> {
    this.active++;
    try {
      await (this.granted ?? this.acquire());
      return await work();
    } finally {
      this.active--;
      this.lastUsed = this.wanted ? -Infinity : Date.now();
      if (this.active === 0) this.armRelease();
    }
  }

  /** Gives the lock up as soon as no work runs, and stops listening (the store is done with). */
  close(): void {
    this.channel?.close();
    this.channel = null;
    this.yieldSoon();
  }

  private acquire(): Promise<void> {
    const granted = new Promise<void>((resolve, reject) => {
      this.locks
        .request(this.name, () => {
          this.termValue++;
          resolve();
          return new Promise<void>((done) => (this.release = done));
        })
        // A lock request fails only when it cannot be made (or the lock is stolen, which nothing
        // here does): whoever waits sees the error, and the next run asks again.
        .catch((error: unknown) => {
          if (this.granted === granted) this.forget();
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
    this.granted = granted;
    // Asks made before ours are served before ours anyway; ours goes out with the request, so a
    // holder sitting idle gives the lock up now instead of after IDLE_MS.
    this.wanted = false;
    this.channel?.postMessage('wanted');
    return granted;
  }

  private yieldSoon(): void {
    this.wanted = true;
    this.lastUsed = -Infinity;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.active === 0) this.armRelease();
  }

  /** Releases IDLE_MS after the last work; one timer that re-arms, not one per append. */
  private armRelease(): void {
    if (this.granted === null || this.timer !== null) return;
    const left = Math.max(0, this.lastUsed + IDLE_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.active > 0) return; // the last run to finish arms it again
      if (this.lastUsed + IDLE_MS > Date.now()) this.armRelease();
      else this.forget();
    }, left);
    (this.timer as { unref?: () => void }).unref?.();
  }

  private forget(): void {
    const release = this.release;
    this.granted = null;
    this.release = null;
    release?.();
  }
}

/**
 * Runs `work` holding the history lock of the database named `database`, for writers of message
 * rows other than MessageStore.append (restoring a backup writes rows with their counters).
 */
export async function withHistoryLock<R>(database: string, work: () => Promise<R>): Promise<R> {
  const locks = defaultLocks();
  if (locks === null) return work();
  const lease = new HistoryLease(historyLockName(database), locks);
  try {
    return await lease.run(work);
  } finally {
    lease.close();
  }
}
