// Full-text search over this device's history, 1:1 and groups alike. Message rows are
// vault-encrypted, so the index is built in memory from decrypted rows — lazily, on the first search
// after an unlock — and kept in step with every later change through MessageStore.onChange (new
// messages, edits, deletes for me or for everyone, cleared conversations). It is dropped on lock and
// never written anywhere: nothing about the words of a message reaches the disk in any form.
//
// Why not a persisted blind index (HMAC(vault key, term) in a multiEntry Dexie index)? It would
// save the rebuild, but every row would then carry, in the clear, which other rows share its words
// and how often each word occurs — frequency analysis on a stolen, locked profile, which today shows
// row counts only (docs/architecture.md) — and prefix search would need every prefix hashed too,
// multiplying both the leak and the size. Building costs about a second per 50,000 messages once per
// unlock (docs/performance.md), which the user does not wait for unless they search at once.
//
// The terms live in term-index.ts (MiniSearch's radix tree, our postings); each message is a
// document number, renumbered when edited, so the index only ever appends postings.
import type { ChatMessage } from '../messaging/chat-message';
import type { HistoryChange, MessageStore, StoredMessage } from '../store/message-store';
import type { RowCodec } from '../store/row-codec';
import type { MessageRow, VeilDatabase } from '../store/veil-database';
import { foldTerm, splitWords } from './search-terms';
import { snippet, type SnippetPart } from './search-snippet';
import { TermIndex } from './term-index';

/** Where a hit was said: a 1:1 conversation with a contact, or a group. */
export type HitConversation =
  | { readonly kind: 'direct'; readonly peer: string }
  | { readonly kind: 'group'; readonly groupId: string };

export interface SearchHit {
  /** The history row (MessageStore id), its conversation and place in it, for opening it there. */
  readonly rowId: string;
  readonly conversationId: string;
  readonly seq: number;
  /** The message's content id (hex), as the conversation view keys it. */
  readonly messageId: string;
  readonly conversation: HitConversation;
  /** The author's account id, or null for us. */
  readonly author: string | null;
  readonly sentAt: number;
  readonly snippet: readonly SnippetPart[];
}

/** What the index keeps of a message: enough to show and open a hit, no keys or attachment bytes. */
interface Entry {
  readonly rowId: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly messageId: string;
  readonly conversation: HitConversation;
  readonly author: string | null;
  readonly sentAt: number;
  readonly storedAt: number;
  readonly text: string;
}

export interface BuildReport {
  readonly messages: number;
  readonly indexed: number;
  readonly ms: number;
  /** Of `ms`, the time spent reading and decrypting rows (what any search over them pays). */
  readonly readMs: number;
}

/** Rows decrypted per read while building: one IndexedDB request each, with a yield between. */
const BUILD_CHUNK = 2000;
const DEFAULT_LIMIT = 50;
/** Postings of removed and edited messages dropped once there are this many, and more than live. */
const COMPACT_AFTER = 5000;

export interface MessageSearchDeps {
  readonly db: VeilDatabase;
  readonly codec: RowCodec;
  readonly history: MessageStore<ChatMessage>;
  readonly now?: () => number;
  /** Rows per read while building (BUILD_CHUNK unless a test wants many chunks from few rows). */
  readonly buildChunk?: number;
}

export class MessageSearch {
  private readonly index = new TermIndex();
  /** Document number → entry; undefined once removed (or replaced by an edit). */
  private docs: (Entry | undefined)[] = [];
  private readonly byRow = new Map<string, number>();
  private removed = 0;
  private building: Promise<BuildReport> | null = null;
  /** Changes seen while building, applied after it (each is idempotent over what the build read). */
  private pending: HistoryChange<ChatMessage>[] | null = null;
  private readonly stop: () => void;
  private readonly now: () => number;

  constructor(private readonly deps: MessageSearchDeps) {
    this.now = deps.now ?? (() => performance.now());
    this.stop = deps.history.onChange((change) => this.onChange(change));
  }

  /** Builds the index once (later calls wait for the same build); says how long it took. */
  ready(): Promise<BuildReport> {
    this.building ??= this.build();
    return this.building;
  }

  /**
   * Messages whose words start with every word of `query` (case and diacritics ignored), newest
   * first, at most `limit`, each with a snippet around its first match.
   */
  async search(query: string, options: { limit?: number } = {}): Promise<SearchHit[]> {
    await this.ready();
    const docs = this.docs;
    const found = this.index
      .match(query, (doc) => docs[doc] !== undefined, docs.length)
      .map((doc) => docs[doc]!);
    found.sort((a, b) => b.storedAt - a.storedAt || b.seq - a.seq);
    const words = [...new Set(splitWords(query).map(foldTerm))];
    const isMatch = (term: string): boolean => words.some((word) => term.startsWith(word));
    return found.slice(0, options.limit ?? DEFAULT_LIMIT).map((entry) => ({
      rowId: entry.rowId,
      conversationId: entry.conversationId,
      seq: entry.seq,
      messageId: entry.messageId,
      conversation: entry.conversation,
      author: entry.author,
      sentAt: entry.sentAt,
      snippet: snippet(entry.text, isMatch),
    }));
  }

  /**
   * The page of `target`'s conversation a view opens a hit on: up to `limit` messages ending with
   * the hit, plus up to `limit` after it; oldest first, whatever the history's size.
   */
  async around(
    target: { conversationId: string; seq: number },
    limit: number,
  ): Promise<{ rows: StoredMessage<ChatMessage>[]; hasOlder: boolean; hasNewer: boolean }> {
    const { history } = this.deps;
    const upTo = await history.page(target.conversationId, { beforeSeq: target.seq + 1, limit });
    const later = await history.after(target.conversationId, { afterSeq: target.seq, limit });
    return {
      rows: [...upTo, ...later],
      hasOlder: upTo.length === limit,
      hasNewer: later.length === limit,
    };
  }

  /** The next `limit` messages after `afterSeq`: scrolling down from a hit towards the newest. */
  newer(conversationId: string, afterSeq: number, limit: number) {
    return this.deps.history.after(conversationId, { afterSeq, limit });
  }

  /** How many messages the index holds (0 before it is built). */
  get size(): number {
    return this.byRow.size;
  }

  /** Stops following the history and forgets the index (the vault is locking). */
  close(): void {
    this.stop();
    this.pending = [];
    this.index.clear();
    this.docs = [];
    this.byRow.clear();
  }

  private async build(): Promise<BuildReport> {
    const started = this.now();
    const pending: HistoryChange<ChatMessage>[] = [];
    this.pending = pending;
    let messages = 0;
    let readMs = 0;
    let after: string | null = null;
    // Stops early when the vault locks meanwhile (close() makes `pending` another array).
    while (this.pending === pending) {
      const reading = this.now();
      const rows: MessageRow[] = await this.chunkAfter(after);
      if (this.pending !== pending) break;
      const opened = rows.map((row) => ({
        id: row.id,
        conversationId: row.conversationId,
        seq: row.seq,
        value: this.deps.codec.open('messages', row.id, row.body) as ChatMessage,
      }));
      readMs += this.now() - reading;
      for (const row of opened) this.put(row);
      messages += rows.length;
      if (rows.length < (this.deps.buildChunk ?? BUILD_CHUNK)) break;
      after = rows[rows.length - 1]!.id;
    }
    if (this.pending === pending) {
      this.pending = null;
      for (const change of pending) this.apply(change);
    }
    return { messages, indexed: this.byRow.size, ms: this.now() - started, readMs };
  }

  /** The next BUILD_CHUNK rows in primary-key order after `after` (from the start when null). */
  private chunkAfter(after: string | null): Promise<MessageRow[]> {
    const { messages } = this.deps.db;
    const range = after === null ? messages.orderBy(':id') : messages.where(':id').above(after);
    return range.limit(this.deps.buildChunk ?? BUILD_CHUNK).toArray();
  }

  private onChange(change: HistoryChange<ChatMessage>): void {
    if (this.pending !== null) this.pending.push(change);
    // Before the first search there is no index to keep: the build will read the rows as they are.
    else if (this.building !== null) this.apply(change);
  }

  private apply(change: HistoryChange<ChatMessage>): void {
    switch (change.type) {
      case 'added':
        for (const message of change.messages) this.put(message);
        return;
      case 'updated': {
        const doc = this.byRow.get(change.id);
        const entry = doc === undefined ? undefined : this.docs[doc];
        // Marks, receipts and `seen` update rows far more often than edits do: same text, no work.
        if (entry !== undefined && entry.text === searchableText(change.value)) return;
        if (entry !== undefined) {
          this.put({
            id: change.id,
            conversationId: entry.conversationId,
            seq: entry.seq,
            value: change.value,
          });
        } else if (searchableText(change.value) !== null) {
          // Not indexed before (say, a delete's placeholder replaced by its text): find its place.
          void this.deps.history.get(change.id).then((row) => row && this.put(row));
        }
        return;
      }
      case 'deleted':
        this.remove(change.id);
        return;
      case 'cleared':
        for (const entry of this.docs) {
          if (entry?.conversationId === change.conversationId) this.remove(entry.rowId);
        }
        return;
    }
  }

  /** Indexes a message, replacing what was indexed under its row; an unsearchable one is removed. */
  private put(row: StoredMessage<ChatMessage>): void {
    this.remove(row.id);
    const text = searchableText(row.value);
    if (text === null) return;
    const message = row.value;
    const doc = this.docs.length;
    this.docs.push({
      rowId: row.id,
      conversationId: row.conversationId,
      seq: row.seq,
      messageId: message.id,
      conversation:
        message.group === undefined
          ? { kind: 'direct', peer: message.peer }
          : { kind: 'group', groupId: message.group },
      author: message.direction === 'out' ? null : message.peer,
      sentAt: message.sentAt,
      storedAt: message.storedAt,
      text,
    });
    this.byRow.set(row.id, doc);
    this.index.add(doc, text);
  }

  private remove(rowId: string): void {
    const doc = this.byRow.get(rowId);
    if (doc === undefined) return;
    this.byRow.delete(rowId);
    this.docs[doc] = undefined;
    // Its postings stay until enough have gone to be worth a walk over the whole tree.
    if (++this.removed >= COMPACT_AFTER && this.removed > this.byRow.size) {
      this.index.compact((n) => this.docs[n] !== undefined);
      this.removed = 0;
    }
  }
}

/** What of a message is searched (its text, an attachment's caption and file name), or null. */
function searchableText(message: ChatMessage): string | null {
  if (message.groupEvent !== undefined || message.deleted === true) return null;
  const text = [message.text, message.attachment?.fileName ?? '']
    .filter((s) => s !== '')
    .join('\n');
  return text.trim() === '' ? null : text;
}
