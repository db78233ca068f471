// Conversation history: append in order, read pages backwards from the newest, the newest message
// alone (list previews), delete for me, and clear a conversation.
// Each message is one encrypted row; the clear-text index is (conversationId, seq) where seq is a
// local counter, so scrolling thousands of messages is an index range read with no decryption of
// anything outside the page.
import Dexie from 'dexie';
import type { RowCodec } from './row-codec';
import type { MessageRow, VeilDatabase } from './veil-database';

export interface StoredMessage<T> {
  readonly id: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly value: T;
}

export class MessageStore<T> {
  constructor(
    private readonly db: VeilDatabase,
    private readonly codec: RowCodec,
  ) {}

  /** Appends messages to a conversation in one transaction; returns their sequence numbers. */
  async append(
    conversationId: string,
    messages: readonly { id: string; value: T }[],
  ): Promise<number[]> {
    return this.db.transaction('rw', this.db.messages, async () => {
      const last = await this.db.messages
        .where('[conversationId+seq]')
        .between([conversationId, Dexie.minKey], [conversationId, Dexie.maxKey])
        .last();
      let seq = last?.seq ?? 0;
      const rows = messages.map(({ id, value }) => ({
        id,
        conversationId,
        seq: ++seq,
        body: this.codec.seal('messages', id, value),
      }));
      await this.db.messages.bulkAdd(rows);
      return rows.map((row) => row.seq);
    });
  }

  /** Replaces a message's content (edits, delivery marks) without moving it. */
  async update(id: string, value: T): Promise<void> {
    await this.db.messages.update(id, { body: this.codec.seal('messages', id, value) });
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

  async delete(id: string): Promise<void> {
    await this.db.messages.delete(id);
  }

  /** Deletes a whole conversation's history; returns how many messages went. */
  async clear(conversationId: string): Promise<number> {
    return this.range(conversationId, Dexie.minKey).delete();
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
