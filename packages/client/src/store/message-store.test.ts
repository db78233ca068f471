import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { createVaultKey, loadPrimitives, type Primitives } from '@veil/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MessageStore } from './message-store';
import { RowCodec } from './row-codec';
import { VeilDatabase } from './veil-database';

let p: Primitives;
let db: VeilDatabase;
let counter = 0;
beforeAll(async () => {
  p = await loadPrimitives();
});
afterEach(async () => {
  await db.delete();
});

function open(): VeilDatabase {
  db = new VeilDatabase(`veil-test-${++counter}`, { indexedDB, IDBKeyRange });
  return db;
}

interface Text {
  text: string;
  attachment?: Uint8Array;
}

describe('message store', () => {
  it('pages backwards through history in order, decrypting only the page', async () => {
    const store = new MessageStore<Text>(open(), new RowCodec(p, createVaultKey(p)));
    const seqs = await store.append(
      'c1',
      Array.from({ length: 120 }, (_, i) => ({ id: `m${i}`, value: { text: `message ${i}` } })),
    );
    expect(seqs[0]).toBe(1);
    expect(seqs.at(-1)).toBe(120);
    await store.append('c2', [{ id: 'other', value: { text: 'elsewhere' } }]);
    const newest = await store.page('c1', { limit: 50 });
    expect(newest.map((m) => m.value.text)).toEqual(
      Array.from({ length: 50 }, (_, i) => `message ${70 + i}`),
    );
    const older = await store.page('c1', { beforeSeq: newest[0]!.seq, limit: 50 });
    expect(older[0]!.value.text).toBe('message 20');
    const oldest = await store.page('c1', { beforeSeq: older[0]!.seq, limit: 50 });
    expect(oldest).toHaveLength(20);
    expect(await store.count('c1')).toBe(120);
    expect(await store.count('c2')).toBe(1);
  });

  it('keeps bytes as bytes and content encrypted at rest', async () => {
    const database = open();
    const store = new MessageStore<Text>(database, new RowCodec(p, createVaultKey(p)));
    await store.append('c1', [
      { id: 'm1', value: { text: 'CANARY-7f3a secret words', attachment: Uint8Array.of(1, 2, 3) } },
    ]);
    const raw = await database.messages.get('m1');
    expect(Buffer.from(raw!.body).includes(Buffer.from('CANARY-7f3a'))).toBe(false);
    expect(JSON.stringify(raw)).not.toContain('CANARY');
    const read = await store.get('m1');
    expect(read!.value.attachment).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('refuses rows under another vault key or moved to another id', async () => {
    const database = open();
    const store = new MessageStore<Text>(database, new RowCodec(p, createVaultKey(p)));
    await store.append('c1', [
      { id: 'm1', value: { text: 'a' } },
      { id: 'm2', value: { text: 'b' } },
    ]);
    const thief = new MessageStore<Text>(database, new RowCodec(p, createVaultKey(p)));
    await expect(thief.get('m1')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    const m1 = await database.messages.get('m1');
    await database.messages.update('m2', { body: m1!.body });
    await expect(store.get('m2')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  it('reads the newest message alone, the tail from a sequence on, and clears one conversation', async () => {
    const database = open();
    const store = new MessageStore<Text>(database, new RowCodec(p, createVaultKey(p)));
    expect(await store.last('c1')).toBeUndefined();
    await store.append(
      'c1',
      Array.from({ length: 30 }, (_, i) => ({ id: `m${i}`, value: { text: `message ${i}` } })),
    );
    await store.append('c2', [{ id: 'other', value: { text: 'elsewhere' } }]);
    expect((await store.last('c1'))?.value.text).toBe('message 29');
    expect((await store.since('c1', 28)).map((m) => m.value.text)).toEqual([
      'message 27',
      'message 28',
      'message 29',
    ]);
    expect(await store.clear('c1')).toBe(30);
    expect(await store.last('c1')).toBeUndefined();
    expect(await store.count('c2')).toBe(1);
  });

  it('updates in place and deletes', async () => {
    const store = new MessageStore<Text>(open(), new RowCodec(p, createVaultKey(p)));
    await store.append('c1', [{ id: 'm1', value: { text: 'draft' } }]);
    await store.update('m1', { text: 'edited' });
    expect((await store.get('m1'))!.value.text).toBe('edited');
    await store.delete('m1');
    expect(await store.get('m1')).toBeUndefined();
  });
});
