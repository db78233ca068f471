/// <reference lib="dom" />
// Runs inside headless Chromium (bundled by browser-harness.ts): the client's message search
// (MessageSearch: every row read, decrypted and indexed in memory) over a history seeded through the
// real MessageStore, beside the obvious alternative — keep every decrypted text in memory, folded,
// and scan them all for each query. Exposed as `window.veilBench`.

import { fromHex, loadPrimitives, toHex, type SecretKey } from '@veil/protocol';
import type { ChatMessage } from '../../../packages/client/src/messaging/chat-message';
import { MessageSearch } from '../../../packages/client/src/search/message-search';
import { foldTerm } from '../../../packages/client/src/search/search-terms';
import { MessageStore } from '../../../packages/client/src/store/message-store';
import { RowCodec } from '../../../packages/client/src/store/row-codec';
import { VeilDatabase } from '../../../packages/client/src/store/veil-database';

const SEED_CHUNK = 1000;
const CONVERSATIONS = 40;

// A chat vocabulary with accents and a long tail, so terms have realistic frequencies: a few words
// in most messages, most words in few.
const COMMON = ['the', 'and', 'you', 'at', 'see', 'ok', 'yes', 'no', 'we', 'to', 'is', 'it'];
const TOPICS = [
  'station',
  'tickets',
  'seven',
  'dinner',
  'café',
  'crème',
  'brûlée',
  'meeting',
  'tomorrow',
  'weekend',
  'garden',
  'naïve',
  'résumé',
  'Straße',
  'photos',
  'birthday',
  'train',
  'budget',
  'project',
  'deadline',
  'holiday',
  'münchen',
  'zürich',
  'señor',
  'piñata',
  'forecast',
  'umbrella',
];

/** A deterministic pseudo-random generator, so every run indexes the same text. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function message(i: number, next: () => number): { conversation: string; value: ChatMessage } {
  const words: string[] = [];
  const length = 6 + Math.floor(next() * 14);
  for (let w = 0; w < length; w++) {
    const r = next();
    words.push(
      r < 0.5
        ? COMMON[Math.floor(next() * COMMON.length)]!
        : r < 0.85
          ? TOPICS[Math.floor(next() * TOPICS.length)]!
          : `w${Math.floor(next() * 20_000).toString(36)}`, // the long tail
    );
  }
  const conversation = i % CONVERSATIONS;
  const group = conversation % 4 === 0 ? `group-${conversation}` : undefined;
  return {
    conversation: `conversation-${conversation}`,
    value: {
      id: i.toString(16).padStart(32, '0'),
      direction: i % 3 === 0 ? 'out' : 'in',
      peer: `contact-${conversation % 10}`,
      text: words.join(' '),
      sentAt: 1_700_000_000_000 + i * 1000,
      storedAt: 1_700_000_000_000 + i * 1000,
      mark: 'read',
      seen: true,
      ...(group === undefined ? {} : { group }),
    },
  };
}

/** What the queries look for: common and rare words, prefixes, folded accents, several words. */
export const QUERIES = [
  'station',
  'creme brulee',
  'cafe',
  'tick',
  'strasse',
  'zur',
  'w1a',
  'nothingatall',
];

const p = await loadPrimitives();

function open(name: string, keyHex: string) {
  const db = new VeilDatabase(name);
  const codec = new RowCodec(p, fromHex(keyHex) as SecretKey);
  return { db, codec, history: new MessageStore<ChatMessage>(db, codec) };
}

function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export interface SearchBenchResult {
  readonly buildMs: number;
  readonly readMs: number;
  readonly indexed: number;
  readonly queryP50Ms: number;
  readonly queryP95Ms: number;
  readonly scanP50Ms: number;
  readonly scanP95Ms: number;
  readonly hits: Record<string, number>;
}

const api = {
  /** A history of `count` messages over CONVERSATIONS conversations (a quarter of them groups). */
  async seed(name: string, count: number): Promise<string> {
    const keyHex = toHex(p.randomBytes(32));
    const { db, history } = open(name, keyHex);
    await db.open();
    const next = random(7);
    for (let start = 1; start <= count; start += SEED_CHUNK) {
      const byConversation = new Map<string, { id: string; value: ChatMessage }[]>();
      for (let i = start; i < Math.min(start + SEED_CHUNK, count + 1); i++) {
        const { conversation, value } = message(i, next);
        const list = byConversation.get(conversation) ?? [];
        list.push({ id: `row-${value.id}`, value });
        byConversation.set(conversation, list);
      }
      for (const [conversation, rows] of byConversation) await history.append(conversation, rows);
    }
    db.close();
    return keyHex;
  },

  /**
   * After a reload: the index is built (the first search after an unlock; its report says how much
   * of that was reading and decrypting rows), then each query is timed beside a scan over the same
   * texts held decrypted and folded in memory (regenerated here: the seed is deterministic).
   */
  async measure(
    name: string,
    keyHex: string,
    count: number,
    rounds: number,
  ): Promise<SearchBenchResult> {
    const { db, codec, history } = open(name, keyHex);
    await db.open();
    const search = new MessageSearch({ db, codec, history });
    const report = await search.ready();

    const next = random(7);
    const folded: string[] = [];
    for (let i = 1; i <= count; i++) {
      const words = message(i, next).value.text.split(/[^\p{L}\p{N}\p{M}]+/u);
      folded.push(words.map(foldTerm).join(' '));
    }

    let began: number;
    const times: number[] = [];
    const scans: number[] = [];
    const hits: Record<string, number> = {};
    for (let round = 0; round < rounds; round++) {
      for (const query of QUERIES) {
        began = performance.now();
        const found = await search.search(query);
        times.push(performance.now() - began);
        hits[query] = found.length;

        // The scan: every word of the query must start a word of the message, newest 50 kept.
        const terms = query.split(' ').map(foldTerm);
        began = performance.now();
        const matched: number[] = [];
        for (let i = folded.length - 1; i >= 0 && matched.length < 50; i--) {
          const text = ` ${folded[i]!}`;
          if (terms.every((term) => text.includes(` ${term}`))) matched.push(i);
        }
        scans.push(performance.now() - began);
      }
    }
    search.close();
    db.close();
    return {
      buildMs: report.ms,
      readMs: report.readMs,
      indexed: report.indexed,
      queryP50Ms: percentile(times, 0.5),
      queryP95Ms: percentile(times, 0.95),
      scanP50Ms: percentile(scans, 0.5),
      scanP95Ms: percentile(scans, 0.95),
      hits,
    };
  },
};

(window as unknown as { veilBench: typeof api }).veilBench = api;
document.title = 'ready';
