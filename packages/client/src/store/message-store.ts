// Conversation history: append in order, read pages backwards from the newest, the newest message
// alone (list previews), delete for me, and clear a conversation.
// Each message is one encrypted row; the clear-text index is (conversationId, seq) where seq is a
// local counter, so scrolling thousands of messages is an index range read with no decryption of
// anything outside the page.
import Dexie from 'dexie';
import { defaultLocks, HistoryLease, historyLockName, type LockRequester } from './history-lease';
import { addNatively, IndexCheckFailed } from './native-add';
import type { RowCodec } from './row-codec';
import type { MessageRow, VeilDatabase } from './veil-database';

export interface StoredMessage<T> {
  readonly id: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly value: T;
}

/**
 * What changed in the history, told to listeners after it is committed: search/message-search.ts
 * keeps its in-memory index in step this way, whoever made the change (1:1, groups, edits, deletes).
 */
export type HistoryChange<T> =
  | { readonly type: 'added'; readonly messages: readonly StoredMessage<T>[] }
  | { readonly type: 'updated'; readonly id: string; readonly value: T }
  | { readonly type: 'deleted'; readonly id: string }
  | { readonly type: 'cleared'; readonly conversationId: string };

export class MessageStore<T> {
  private readonly listeners = new Set<(change: HistoryChange<T>) => void>();
  /** Null where no lock can be shared with the other contexts (see history-lease.ts). */
  private readonly lease: HistoryLease | null;
  /**
   * Each conversation's last sequence number given out, valid while `lease` is held in term
   * `lastTerm` (nobody else appends then); read from the index once per conversation and term.
   */
  private readonly lastSeq = new Map<string, number>();
  private readonly loading = new Map<string, Promise<void>>();
  private lastTerm = -1;

  constructor(
    private readonly db: VeilDatabase,
    private readonly codec: RowCodec,
    locks: LockRequester | null = defaultLocks(),
  ) {
    this.lease = locks && new HistoryLease(historyLockName(db.name), locks);
  }

  /** Follows every change made through this store; returns the function that stops following. */
  onChange(listener: (change: HistoryChange<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private tell(change: HistoryChange<T>): void {
    for (const listener of this.listeners) listener(change);
  }

  /**
   * Appends messages to a conversation in one transaction; returns their sequence numbers. Once
   * the conversation's last number is known under the history lease, that transaction is a single
   * write. A number is given out and its write's transaction opened in the same tick (Dexie makes
   * it at once on an open database), so writes commit in the order of their numbers: IndexedDB runs
   * overlapping read-write transactions in the order they were made, and a view refreshing from its
   * last number never skips one. Not to be called inside a Dexie transaction: taking the lease
   * waits outside IndexedDB, which would let that transaction commit early.
   */
  async append(
    conversationId: string,
    messages: readonly { id: string; value: T }[],
  ): Promise<number[]> {
    if (messages.length === 0) return [];
    const lease = this.lease;
    const seqs =
      lease === null
        ? await this.appendReading(conversationId, messages)
        : await lease.run(() => this.appendLeased(lease.term, conversationId, messages));
    const added = messages.map(({ id, value }, i) => ({
      id,
      conversationId,
      seq: seqs[i]!,
      value,
    }));
    this.tell({ type: 'added', messages: added });
    return seqs;
  }

  /** Under the lease: numbers from memory, one write. */
  private async appendLeased(
    term: number,
    conversationId: string,
    messages: readonly { id: string; value: T }[],
  ): Promise<number[]> {
    if (this.lastTerm !== term) {
      // The lock was given up since these were read: another context may have appended.
      this.lastSeq.clear();
      this.loading.clear();
      this.lastTerm = term;
    }
    if (!this.lastSeq.has(conversationId)) await this.loadLastSeq(conversationId);
    // Dexie reopens a closed connection on the next request (another context upgraded or deleted
    // the database); wait for that here, so the native write below is made in the same tick as
    // its numbers. Only a connection closing between here and there takes the reading path.
    if (!this.db.isOpen()) await this.db.open();
    const first = this.lastSeq.get(conversationId)! + 1;
    this.lastSeq.set(conversationId, first + messages.length - 1);
    const rows = this.seal(conversationId, first, messages);
    // The lease keeps our own numbers right; the count, sent with the adds, catches a writer that
    // does not take it (a tab of an older version): any row of this conversation at or after our
    // first number but ours means the kept number is stale, so nothing is written and the append
    // reads the last number inside its transaction instead, as it did before the lease.
    const written = addNatively(this.db, 'messages', rows, {
      index: '[conversationId+seq]',
      range: this.db.keyRanges.bound([conversationId, first], [conversationId, Infinity]),
      expect: rows.length,
    });
    if (written !== null) {
      try {
        await written;
        return rows.map((row) => row.seq);
      } catch (error) {
        if (!(error instanceof IndexCheckFailed)) throw error;
      }
    }
    // Stale, or the connection closed under us: read the last number inside the transaction.
    this.lastSeq.delete(conversationId);
    const seqs = await this.appendReading(conversationId, messages);
    this.lastSeq.set(conversationId, Math.max(this.lastSeq.get(conversationId) ?? 0, seqs.at(-1)!));
    return seqs;
  }

  /** Without a lease: the last number read inside the append's own transaction, every time. */
  private appendReading(
    conversationId: string,
    messages: readonly { id: string; value: T }[],
  ): Promise<number[]> {
    return this.db.transaction('rw', this.db.messages, async () => {
      const last = await this.range(conversationId, Dexie.minKey).last();
      const rows = this.seal(conversationId, (last?.seq ?? 0) + 1, messages);
      await this.db.messages.bulkAdd(rows);
      return rows.map((row) => row.seq);
    });
  }

  private seal(
    conversationId: string,
    first: number,
    messages: readonly { id: string; value: T }[],
  ): MessageRow[] {
    return messages.map(({ id, value }, i) => ({
      id,
      conversationId,
      seq: first + i,
      body: this.codec.seal('messages', id, value),
    }));
  }

  /** Reads a conversation's last number once, however many appends to it wait for it. */
  private loadLastSeq(conversationId: string): Promise<void> {
    let loading = this.loading.get(conversationId);
    if (loading === undefined) {
      loading = this.range(conversationId, Dexie.minKey)
        .last()
        .then((row) => {
          if (!this.lastSeq.has(conversationId)) this.lastSeq.set(conversationId, row?.seq ?? 0);
        })
        .finally(() => {
          if (this.loading.get(conversationId) === loading) this.loading.delete(conversationId);
        });
      this.loading.set(conversationId, loading);
    }
    return loading;
  }

  /** Gives up the history lease now rather than after its idle time (the vault locks). */
  close(): void {
    this.lease?.close();
  }

  /** Replaces a message's content (edits, delivery marks) without moving it. */
  async update(id: string, value: T): Promise<void> {
    await this.db.messages.update(id, { body: this.codec.seal('messages', id, value) });
    this.tell({ type: 'updated', id, value });
  }

  /** Which of these row ids are stored, in one read and without decrypting anything. */
  async existing(ids: readonly string[]): Promise<Set<string>> {
    const keys = await this.db.messages.where('id').anyOf(ids).primaryKeys();
    return new Set(keys);
  }

  async get(id: string): Promise<StoredMessage<T> | undefined> {
    const row = await this.db.messages.get(id);
    return (
      row && {
        id: row.id,
        conversationId: row.conversationId,
        seq: row.seq,
        value: this.codec.open('messages', row.id, row.body) as T,
      }
    );
  }

  /** Up to `limit` messages before `beforeSeq` (newest page when omitted), oldest first. */
  async page(
    conversationId: string,
    options: { beforeSeq?: number; limit: number },
  ): Promise<StoredMessage<T>[]> {
    const upper = options.beforeSeq ?? Dexie.maxKey;
    const rows = await this.db.messages
      .where('[conversationId+seq]')
      .between([conversationId, Dexie.minKey], [conversationId, upper], true, false)
      .reverse()
      .limit(options.limit)
      .toArray();
    return rows.reverse().map((row) => ({
      id: row.id,
      conversationId: row.conversationId,
      seq: row.seq,
      value: this.codec.open('messages', row.id, row.body) as T,
    }));
  }

  /** The newest message of a conversation: one index read and one decryption, for list previews. */
  async last(conversationId: string): Promise<StoredMessage<T> | undefined> {
    const row = await this.range(conversationId, Dexie.minKey).last();
    return row && this.decode(row);
  }

  /** Every message from `fromSeq` on, oldest first: refreshes the loaded tail of a view. */
  async since(conversationId: string, fromSeq: number): Promise<StoredMessage<T>[]> {
    const rows = await this.range(conversationId, fromSeq).toArray();
    return rows.map((row) => this.decode(row));
  }

  /** Up to `limit` messages after `afterSeq`, oldest first: the page below a view opened mid-history. */
  async after(
    conversationId: string,
    options: { afterSeq: number; limit: number },
  ): Promise<StoredMessage<T>[]> {
    const rows = await this.db.messages
      .where('[conversationId+seq]')
      .between([conversationId, options.afterSeq], [conversationId, Dexie.maxKey], false, true)
      .limit(options.limit)
      .toArray();
    return rows.map((row) => this.decode(row));
  }

  async delete(id: string): Promise<void> {
    await this.db.messages.delete(id);
    this.tell({ type: 'deleted', id });
  }

  /** Deletes a whole conversation's history; returns how many messages went. */
  async clear(conversationId: string): Promise<number> {
    const count = await this.range(conversationId, Dexie.minKey).delete();
    this.tell({ type: 'cleared', conversationId });
    return count;
  }

  private range(conversationId: string, fromSeq: number) {
    return this.db.messages
      .where('[conversationId+seq]')
      .between([conversationId, fromSeq], [conversationId, Dexie.maxKey], true, true);
  }

  private decode(row: MessageRow): StoredMessage<T> {
    return {
      id: row.id,
      conversationId: row.conversationId,
      seq: row.seq,
      value: this.codec.open('messages', row.id, row.body) as T,
    };
  }

  async count(conversationId: string): Promise<number> {
    return this.db.messages
      .where('[conversationId+seq]')
      .between([conversationId, Dexie.minKey], [conversationId, Dexie.maxKey])
      .count();
  }
}
