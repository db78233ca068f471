/// <reference lib="dom" />
// Runs inside headless Chromium (bundled by browser-harness.ts): the client's real history store —
// Dexie, rows sealed under a vault key by RowCodec, MessageStore — beside raw IndexedDB storing the
// same messages as plain structured-clone objects, one transaction per message on both sides (how
// messages arrive: one at a time). Exposed as `window.veilBench` for the harness to call.

import { fromHex, loadPrimitives, toHex, type SecretKey } from '@veil/protocol';
import type { ChatMessage } from '../../../packages/client/src/messaging/chat-message';
import { MessageStore } from '../../../packages/client/src/store/message-store';
import { RowCodec } from '../../../packages/client/src/store/row-codec';
import { VeilDatabase } from '../../../packages/client/src/store/veil-database';

const PAGE = 50;
const CONVERSATION = 'bench-conversation';
const SEED_CHUNK = 1000;

function message(i: number): ChatMessage {
  const id = i.toString(16).padStart(32, '0');
  return {
    id,
    direction: i % 2 === 0 ? 'in' : 'out',
    peer: 'bob',
    // A typical short chat line (~80 characters).
    text: `message ${String(i)}: see you at the station at seven, I will bring the tickets`,
    sentAt: 1_700_000_000_000 + i,
    storedAt: 1_700_000_000_000 + i,
    mark: 'read',
    seen: true,
  };
}

const p = await loadPrimitives();

async function ourStore(
  name: string,
): Promise<{ db: VeilDatabase; store: MessageStore<ChatMessage> }> {
  const db = new VeilDatabase(name);
  await db.open();
  const codec = new RowCodec(p, p.randomBytes(32) as SecretKey);
  return { db, store: new MessageStore<ChatMessage>(db, codec) };
}

// Raw IndexedDB: the same primary key and compound index the client uses, plain values.
function openRaw(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore('messages', { keyPath: 'id' });
      store.createIndex('conversationSeq', ['conversationId', 'seq']);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('open failed'));
  });
}

function rawPut(db: IDBDatabase, rows: readonly object[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('messages', 'readwrite');
    const store = tx.objectStore('messages');
    for (const row of rows) store.put(row);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('put failed'));
  });
}

/** The 50 rows before `beforeSeq` (newest first), by a reverse cursor over the index. */
function rawPage(db: IDBDatabase, beforeSeq: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const rows: unknown[] = [];
    const range = IDBKeyRange.bound([CONVERSATION, 0], [CONVERSATION, beforeSeq], false, true);
    const request = db
      .transaction('messages', 'readonly')
      .objectStore('messages')
      .index('conversationSeq')
      .openCursor(range, 'prev');
    request.onsuccess = () => {
      const cursor = request.result;
      if (cursor === null || rows.length === PAGE) resolve(rows);
      else {
        rows.push(cursor.value);
        cursor.continue();
      }
    };
    request.onerror = () => reject(request.error ?? new Error('cursor failed'));
  });
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  await work();
  return performance.now() - began;
}

async function drop(name: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
  });
}

export interface InsertAndPageResult {
  readonly insertMs: number;
  readonly pagesMs: number;
  readonly pages: number;
}

/** Ours and raw, open side by side while their inserts alternate. */
interface Pair {
  readonly db: VeilDatabase;
  readonly store: MessageStore<ChatMessage>;
  readonly raw: IDBDatabase;
}

async function insertOurs(pair: Pair, from: number, to: number): Promise<number> {
  return time(async () => {
    for (let i = from; i < to; i++) {
      const value = message(i);
      await pair.store.append(CONVERSATION, [{ id: value.id, value }]);
    }
  });
}

async function insertRaw(pair: Pair, from: number, to: number): Promise<number> {
  return time(async () => {
    for (let i = from; i < to; i++) {
      const value = message(i);
      await rawPut(pair.raw, [{ id: value.id, conversationId: CONVERSATION, seq: i, value }]);
    }
  });
}

async function pagesOurs(store: MessageStore<ChatMessage>): Promise<[number, number]> {
  let pages = 0;
  const ms = await time(async () => {
    let before: number | undefined;
    for (;;) {
      const page = await store.page(CONVERSATION, {
        limit: PAGE,
        ...(before === undefined ? {} : { beforeSeq: before }),
      });
      if (page.length === 0) break;
      pages += 1;
      before = page[0]!.seq;
    }
  });
  return [ms, pages];
}

async function pagesRaw(db: IDBDatabase, count: number): Promise<[number, number]> {
  let pages = 0;
  const ms = await time(async () => {
    let before = count + 1;
    for (;;) {
      const page = (await rawPage(db, before)) as { seq: number }[];
      if (page.length === 0) break;
      pages += 1;
      before = page[page.length - 1]!.seq;
    }
  });
  return [ms, pages];
}

const api = {
  /**
   * Inserts `count` messages one transaction each into ours and into raw, in `slices` alternating
   * slices (which side goes first alternates too), so the machine's drifting load lands on both
   * alike; then reads every page of each, newest to oldest.
   */
  async insertAndPage(
    count: number,
    slices: number,
  ): Promise<{ ours: InsertAndPageResult; raw: InsertAndPageResult }> {
    await drop('ours');
    await drop('raw');
    const { db, store } = await ourStore('ours');
    const pair: Pair = { db, store, raw: await openRaw('raw') };
    let oursMs = 0;
    let rawMs = 0;
    for (let slice = 0; slice < slices; slice++) {
      const from = 1 + Math.floor((count * slice) / slices);
      const to = 1 + Math.floor((count * (slice + 1)) / slices);
      if (slice % 2 === 0) {
        oursMs += await insertOurs(pair, from, to);
        rawMs += await insertRaw(pair, from, to);
      } else {
        rawMs += await insertRaw(pair, from, to);
        oursMs += await insertOurs(pair, from, to);
      }
    }
    const [oursPagesMs, oursPages] = await pagesOurs(store);
    const [rawPagesMs, rawPages] = await pagesRaw(pair.raw, count);
    store.close();
    db.close();
    pair.raw.close();
    await drop('ours');
    await drop('raw');
    return {
      ours: { insertMs: oursMs, pagesMs: oursPagesMs, pages: oursPages },
      raw: { insertMs: rawMs, pagesMs: rawPagesMs, pages: rawPages },
    };
  },

  /** Fills a store with `count` messages in large transactions; returns its vault key (hex). */
  async seed(name: string, count: number): Promise<string> {
    await drop(name);
    const key = p.randomBytes(32) as SecretKey;
    const db = new VeilDatabase(name);
    await db.open();
    const store = new MessageStore<ChatMessage>(db, new RowCodec(p, key));
    for (let start = 1; start <= count; start += SEED_CHUNK) {
      const chunk = [];
      for (let i = start; i < Math.min(start + SEED_CHUNK, count + 1); i++) {
        const value = message(i);
        chunk.push({ id: value.id, value });
      }
      await store.append(CONVERSATION, chunk);
    }
    db.close();
    return toHex(key);
  },

  /**
   * Opening a conversation (called after a reload, so nothing is warm but the code): open the
   * database, read its newest page and open every row of it.
   */
  async openLastPage(name: string, keyHex: string): Promise<{ openMs: number; rows: number }> {
    const key = fromHex(keyHex) as SecretKey;
    let rows = 0;
    const openMs = await time(async () => {
      const db = new VeilDatabase(name);
      await db.open();
      const store = new MessageStore<ChatMessage>(db, new RowCodec(p, key));
      rows = (await store.page(CONVERSATION, { limit: PAGE })).length;
      db.close();
    });
    await drop(name);
    return { openMs, rows };
  },
};

(window as unknown as { veilBench: typeof api }).veilBench = api;
document.title = 'ready';
