// Search over the encrypted history, on a real Dexie database (fake-indexeddb) with real row
// encryption: folding of case and diacritics, prefixes, every conversation (1:1 and groups), newest
// first with a highlighted snippet, edits and deletes followed, a fresh unlock rebuilding the same
// index, and nothing of the index written to the database.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { createVaultKey, loadPrimitives, type Primitives, type SecretKey } from '@veil/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../messaging/chat-message';
import { MessageStore } from '../store/message-store';
import { RowCodec } from '../store/row-codec';
import { VeilDatabase } from '../store/veil-database';
import { MessageSearch, type SearchHit } from './message-search';
import { foldTerm } from './search-terms';

let p: Primitives;
let db: VeilDatabase;
let key: SecretKey;
let counter = 0;
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(() => {
  db = new VeilDatabase(`search-test-${++counter}`, { indexedDB, IDBKeyRange });
  key = createVaultKey(p);
});
afterEach(async () => {
  await db.delete();
});

/** What an unlock makes: a store and a search over it, under the same vault key. */
function unlock(buildChunk?: number): {
  history: MessageStore<ChatMessage>;
  search: MessageSearch;
} {
  const codec = new RowCodec(p, key);
  const history = new MessageStore<ChatMessage>(db, codec);
  return {
    history,
    search: new MessageSearch({ db, codec, history, ...(buildChunk ? { buildChunk } : {}) }),
  };
}

let clock = 1_000;
function message(
  text: string,
  fields: Partial<ChatMessage> & { peer: string },
): { id: string; value: ChatMessage } {
  const id = `m${++clock}`;
  return {
    id: `row-${id}`,
    value: {
      id,
      direction: 'in',
      text,
      sentAt: clock,
      storedAt: clock,
      mark: 'delivered',
      seen: true,
      ...fields,
    },
  };
}

const texts = (hits: readonly SearchHit[]) =>
  hits.map((hit) => hit.snippet.map((part) => part.text).join(''));
const marked = (hit: SearchHit) => hit.snippet.filter((p) => p.match).map((p) => p.text);

describe('message search', () => {
  it('folds case and diacritics both ways, and matches word prefixes', async () => {
    const { history, search } = unlock();
    await history.append('c-alice', [
      message('Meet me at the Café at noon', { peer: 'alice' }),
      message('NAÏVE question: where is the Straße?', { peer: 'alice' }),
      message('decomposed cafe\u0301 too', { peer: 'alice' }),
    ]);
    expect(texts(await search.search('cafe'))).toEqual([
      'decomposed cafe\u0301 too',
      'Meet me at the Café at noon',
    ]);
    expect(texts(await search.search('CAFÉ'))).toHaveLength(2);
    expect(texts(await search.search('naive strasse'))).toEqual([
      'NAÏVE question: where is the Straße?',
    ]);
    // Every word must match, each as a prefix.
    expect(texts(await search.search('mee no'))).toEqual(['Meet me at the Café at noon']);
    expect(await search.search('meet zebra')).toEqual([]);
    expect(await search.search('  ?! ')).toEqual([]);
    expect(foldTerm('Ǆemal')).toBe('dzemal');
  });

  it('searches every conversation, groups included, newest first, with the match marked', async () => {
    const { history, search } = unlock();
    await history.append('c-alice', [message('lunch on Friday?', { peer: 'alice' })]);
    await history.append('c-bob', [
      message('Lunchtime is over', { peer: 'bob', direction: 'out' }),
    ]);
    await history.append('c-group', [
      message('who brings lunch', { peer: 'carol', group: 'g1' }),
      message('alice added carol', {
        peer: 'alice',
        group: 'g1',
        groupEvent: { type: 'add', actor: 'alice', target: 'carol' },
      }),
    ]);
    const hits = await search.search('lunch');
    expect(hits.map((h) => [h.conversation, h.author])).toEqual([
      [{ kind: 'group', groupId: 'g1' }, 'carol'],
      [{ kind: 'direct', peer: 'bob' }, null],
      [{ kind: 'direct', peer: 'alice' }, 'alice'],
    ]);
    expect(hits.map(marked)).toEqual([['lunch'], ['Lunchtime'], ['lunch']]);
    expect(hits[0]).toMatchObject({ conversationId: 'c-group', seq: 1 });
    expect(await search.search('added')).toEqual([]); // timeline rows are not messages
    expect(await search.search('lunch', { limit: 1 })).toHaveLength(1);
  });

  it('cuts a long message around its first match', async () => {
    const { history, search } = unlock();
    const long = `${'filler words here '.repeat(10)}the needle sits here ${'and more after it '.repeat(10)}`;
    await history.append('c', [message(long, { peer: 'alice' })]);
    const [hit] = await search.search('needle');
    const parts = hit!.snippet;
    expect(parts[0]!.text).toBe('…');
    expect(parts.at(-1)!.text).toBe('…');
    expect(marked(hit!)).toEqual(['needle']);
    const shown = parts.map((part) => part.text).join('');
    expect(shown.length).toBeLessThan(long.length / 2);
    expect(shown).toContain('the needle sits here');
  });

  it('follows new messages, edits, deletes and cleared conversations', async () => {
    const { history, search } = unlock();
    const first = message('the old plan', { peer: 'alice' });
    await history.append('c-alice', [first]);
    expect(await search.search('plan')).toHaveLength(1); // built now; changes follow from here

    await history.append('c-alice', [message('a second plan', { peer: 'alice' })]);
    expect(await search.search('plan')).toHaveLength(2);

    await history.update(first.id, { ...first.value, text: 'the new idea' });
    expect(texts(await search.search('plan'))).toEqual(['a second plan']);
    expect(texts(await search.search('idea'))).toEqual(['the new idea']);

    // A delete for everyone keeps the row with its text gone.
    await history.update(first.id, { ...first.value, text: '', deleted: true, deletedAt: clock });
    expect(await search.search('idea')).toEqual([]);

    const gone = message('delete me for me', { peer: 'alice' });
    await history.append('c-alice', [gone]);
    expect(await search.search('delete')).toHaveLength(1);
    await history.delete(gone.id);
    expect(await search.search('delete')).toEqual([]);

    await history.append('c-bob', [message('bob keeps his plan', { peer: 'bob' })]);
    await history.clear('c-alice');
    expect(texts(await search.search('plan'))).toEqual(['bob keeps his plan']);
  });

  it('applies changes made while the index is being built', async () => {
    const { history, search } = unlock(20);
    await history.append(
      'c',
      Array.from({ length: 201 }, (_, i) => message(`bulk ${i}`, { peer: 'alice' })),
    );
    const building = search.ready();
    await history.append('c', [message('arrived during the build', { peer: 'alice' })]);
    const report = await building;
    expect(report.indexed).toBeGreaterThanOrEqual(201);
    expect(await search.search('arrived')).toHaveLength(1);
    expect(search.size).toBe(202);
  });

  it('finds the same after a fresh unlock, and writes nothing of the index to the database', async () => {
    const first = unlock();
    await first.history.append('c', [message('persistent pineapple', { peer: 'alice' })]);
    expect(await first.search.search('pine')).toHaveLength(1);
    first.search.close();
    expect(first.search.size).toBe(0);

    const tables = db.tables.map((table) => table.name).sort();
    const rows = await Promise.all(db.tables.map((table) => table.toArray()));
    expect(JSON.stringify(rows)).not.toContain('pineapple');
    expect(rows.flat()).toHaveLength(1); // the one message row, nothing else

    const again = unlock();
    const [hit] = await again.search.search('PINEAPPLE');
    expect(hit).toMatchObject({ conversationId: 'c', seq: 1, author: 'alice' });
    expect(db.tables.map((table) => table.name).sort()).toEqual(tables);
  });

  it('opens a hit on the page around it', async () => {
    const { history, search } = unlock();
    await history.append(
      'c',
      Array.from({ length: 300 }, (_, i) =>
        message(i === 100 ? 'the far back target' : `line ${i}`, { peer: 'alice' }),
      ),
    );
    const [hit] = await search.search('target');
    const { rows, hasOlder, hasNewer } = await search.around(hit!, 50);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 52 + i));
    expect(rows.find((r) => r.seq === hit!.seq)!.value.text).toBe('the far back target');
    expect([hasOlder, hasNewer]).toEqual([true, true]);
    const next = await search.newer('c', rows.at(-1)!.seq, 50);
    expect(next[0]!.seq).toBe(152);
  });
});
