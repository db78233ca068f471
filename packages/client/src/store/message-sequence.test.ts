// Sequence numbers under the append cache (message-store.ts, history-lease.ts): whatever the order
// of appends, reloads, clears, deletes and second writers over the same database, each
// conversation's numbers stay unique and increase in the order the rows were committed.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { createVaultKey, loadPrimitives, type Primitives, type SecretKey } from '@veil/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LockRequester } from './history-lease';
import { MessageStore } from './message-store';
import { RowCodec } from './row-codec';
import { VeilDatabase } from './veil-database';

let p: Primitives;
let key: SecretKey;
let counter = 0;
const opened: VeilDatabase[] = [];
const stores: MessageStore<string>[] = [];
beforeAll(async () => {
  p = await loadPrimitives();
  key = createVaultKey(p);
});
afterEach(async () => {
  for (const store of stores.splice(0)) store.close();
  for (const db of opened.splice(0)) db.close();
  await new VeilDatabase(`veil-seq-${counter}`, { indexedDB, IDBKeyRange }).delete();
});

/** A store over the test's database: a new VeilDatabase object each call, like another tab. */
function storeOver(locks?: LockRequester | null): MessageStore<string> {
  const db = new VeilDatabase(`veil-seq-${counter}`, { indexedDB, IDBKeyRange });
  opened.push(db);
  const store = new MessageStore<string>(db, new RowCodec(p, key), locks);
  stores.push(store);
  return store;
}

/** Every row of the database as (conversation, seq, id), in the index's order. */
async function rows(): Promise<{ conversationId: string; seq: number; id: string }[]> {
  const db = new VeilDatabase(`veil-seq-${counter}`, { indexedDB, IDBKeyRange });
  opened.push(db);
  const all = await db.messages.orderBy('[conversationId+seq]').toArray();
  return all.map(({ conversationId, seq, id }) => ({ conversationId, seq, id }));
}

/**
 * Per conversation: numbers unique, and each writer's rows numbered in the order it appended them
 * (ids `writer:n`). Between two writers appending at once there is no order to keep but the lock's.
 */
async function expectOrdered(): Promise<void> {
  const byConversation = new Map<string, { seq: number; id: string }[]>();
  for (const row of await rows()) {
    const list = byConversation.get(row.conversationId) ?? [];
    list.push(row);
    byConversation.set(row.conversationId, list);
  }
  for (const list of byConversation.values()) {
    const seqs = list.map((row) => row.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const writer of new Set(list.map((row) => row.id.split(':')[0]))) {
      // Listed by seq, a writer's ids must come out in the order it appended them.
      const order = list
        .filter((row) => row.id.startsWith(`${writer!}:`))
        .map((row) => Number(row.id.split(':')[1]));
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
  }
}

let appended = 0;
const next = (writer = 'm'): { id: string; value: string } => {
  const id = `${writer}:${String(appended++)}`;
  return { id, value: id };
};

describe('message sequence numbers', () => {
  it('continue after a reload, an emptied conversation and a deleted newest message', async () => {
    counter++;
    const first = storeOver();
    expect(await first.append('c1', [next(), next()])).toEqual([1, 2]);
    first.close();
    const reloaded = storeOver();
    expect(await reloaded.append('c1', [next()])).toEqual([3]);
    const newest = next();
    await reloaded.append('c1', [newest]);
    await reloaded.delete(newest.id);
    const [afterDelete] = await reloaded.append('c1', [next()]);
    expect(afterDelete).toBeGreaterThan(3);
    await reloaded.clear('c1');
    const [afterClear] = await reloaded.append('c1', [next()]);
    expect(afterClear).toBeGreaterThan(0);
    expect(await reloaded.count('c1')).toBe(1);
    await expectOrdered();
  });

  it('keep conversations apart when appends to several interleave, awaited or not', async () => {
    counter++;
    const store = storeOver();
    for (let i = 0; i < 30; i++) await store.append(`c${String(i % 3)}`, [next()]);
    // Not awaited one by one: numbers are given in call order, before any write lands.
    const seqs = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.append(`c${String(i % 4)}`, i % 5 === 0 ? [next(), next()] : [next()]),
      ),
    );
    expect(seqs.slice(0, 4).map((s) => s[0])).toEqual([11, 11, 11, 1]);
    expect(await store.count('c0')).toBe(10 + 8 + 2);
    await expectOrdered();
  });

  it('stay unique with two stores over one database appending to the same conversations', async () => {
    counter++;
    const a = storeOver();
    const b = storeOver();
    // Awaited turns: each store must see what the other added since it last held the lease.
    for (let i = 0; i < 12; i++) await (i % 2 === 0 ? a : b).append('c1', [next()]);
    // And at once: both queue for the lease, each batch lands after the other's.
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const [store, writer] = i % 3 === 0 ? [a, 'a'] : [b, 'b'];
        const batch = i % 4 === 0 ? [next(writer), next(writer)] : [next(writer)];
        return store.append(`c${String(i % 2)}`, batch);
      }),
    );
    const c1 = (await rows()).filter((row) => row.conversationId === 'c1').map((row) => row.seq);
    expect(c1).toEqual(Array.from({ length: c1.length }, (_, i) => i + 1));
    await expectOrdered();
  });

  it('lets a second writer clear and refill a conversation the first one has numbers for', async () => {
    counter++;
    const a = storeOver();
    const b = storeOver();
    await a.append('c1', [next(), next(), next()]);
    await b.clear('c1');
    await b.append('c1', [next()]);
    await a.append('c1', [next()]);
    await b.append('c1', [next()]);
    expect(await a.count('c1')).toBe(3);
    await expectOrdered();
  });

  it('fails a duplicate id whole, with nothing stored and the next append unharmed', async () => {
    counter++;
    const store = storeOver();
    await store.append('c1', [{ id: 'taken', value: 'x' }]);
    await expect(store.append('c1', [next(), { id: 'taken', value: 'again' }])).rejects.toThrow();
    await expect(store.append('c1', [{ id: 'taken', value: 'again' }])).rejects.toThrow();
    expect(await store.count('c1')).toBe(1);
    await store.append('c1', [next()]);
    await expectOrdered();
  });

  it('read the last number in every append where no lock can be shared (no Web Locks)', async () => {
    counter++;
    const a = storeOver(null);
    const b = storeOver(null);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const [store, writer] = i % 2 === 0 ? [a, 'a'] : [b, 'b'];
        return store.append('c1', i % 3 === 0 ? [next(writer), next(writer)] : [next(writer)]);
      }),
    );
    const c1 = (await rows()).map((row) => row.seq);
    expect(c1).toEqual(Array.from({ length: c1.length }, (_, i) => i + 1));
    await expectOrdered();
  });

  it('catch a writer that takes no lease (a tab of an older version) and number after it', async () => {
    counter++;
    const store = storeOver();
    await store.append('c1', [next(), next()]);
    // What an older version does: read the last number inside its transaction and add after it.
    const older = new VeilDatabase(`veil-seq-${counter}`, { indexedDB, IDBKeyRange });
    opened.push(older);
    const olderAppend = (id: string): Promise<void> =>
      older.transaction('rw', older.messages, async () => {
        const last = await older.messages
          .where('[conversationId+seq]')
          .between(['c1', 0], ['c1', Infinity])
          .last();
        await older.messages.add({
          id,
          conversationId: 'c1',
          seq: (last?.seq ?? 0) + 1,
          body: new Uint8Array(1),
        });
      });
    await olderAppend('old:0');
    expect(await store.append('c1', [next()])).toEqual([4]);
    // Two behind our back, the first of them deleted: our kept number would fall below the second.
    await olderAppend('old:1');
    await olderAppend('old:2');
    await older.messages.delete('old:1');
    expect(await store.append('c1', [next(), next()])).toEqual([7, 8]);
    expect(await store.append('c1', [next()])).toEqual([9]);
    await expectOrdered();
  });
});
