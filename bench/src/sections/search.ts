// Search, in headless Chromium: the client's MessageSearch over 50,000 stored messages (40
// conversations, a quarter of them groups) — building the in-memory index from the encrypted rows
// after a reload, as the first search after an unlock does, beside the part of that build spent
// reading and decrypting rows (what any search over encrypted rows must pay once); and answering
// queries, beside a linear scan of the decrypted texts held in memory. The page code is
// bench/src/browser/search.page.ts.

import { fileURLToPath } from 'node:url';
import { openBenchPage } from '../browser/browser-harness';
import type { SearchBenchResult } from '../browser/search.page';
import type { Figure, Section, SectionReport } from '../report';

const FULL = { messages: 50_000, rounds: 5 };
const QUICK = { messages: 5_000, rounds: 3 };
const entry = fileURLToPath(new URL('../browser/search.page.ts', import.meta.url));

interface BenchApi {
  seed(name: string, count: number): Promise<string>;
  measure(name: string, keyHex: string, count: number, rounds: number): Promise<SearchBenchResult>;
}

export const searchSection: Section = {
  name: 'search',
  async run({ quick }): Promise<SectionReport> {
    const scale = quick ? QUICK : FULL;
    const browser = await openBenchPage(entry);
    const call = <K extends keyof BenchApi>(method: K, ...args: Parameters<BenchApi[K]>) =>
      browser.page.evaluate(
        ([name, params]) =>
          (window as unknown as { veilBench: Record<string, (...a: unknown[]) => unknown> })
            .veilBench[name]!(...params),
        [method, args] as const,
      ) as Promise<Awaited<ReturnType<BenchApi[K]>>>;
    try {
      const key = await call('seed', 'search', scale.messages);
      // A reload, as after an unlock: nothing decrypted or indexed is left in memory.
      await browser.page.reload();
      await browser.page.waitForFunction(() => document.title === 'ready');
      const result = await call('measure', 'search', key, scale.messages, scale.rounds);
      if (result.indexed !== scale.messages) {
        throw new Error(`indexed ${String(result.indexed)} of ${String(scale.messages)} messages`);
      }
      const count = scale.messages.toLocaleString('en-US');
      const figures: Figure[] = [
        {
          name: `build the index over ${count} messages (first search after unlock)`,
          ours: { value: result.buildMs, unit: 'ms' },
          baseline: {
            name: 'of which reading + decrypting every row',
            value: result.readMs,
            unit: 'ms',
          },
        },
        {
          name: `query, median of ${String(Object.keys(result.hits).length * scale.rounds)} (newest 50 hits with snippets)`,
          ours: { value: result.queryP50Ms, unit: 'ms' },
          baseline: {
            name: 'linear scan of the decrypted texts',
            value: result.scanP50Ms,
            unit: 'ms',
          },
          target: { on: 'ours', atMost: 50 },
          detail: {
            p95Ms: Number(result.queryP95Ms.toFixed(2)),
            scanP95Ms: Number(result.scanP95Ms.toFixed(2)),
            ...result.hits,
          },
        },
      ];
      return {
        section: 'search',
        title: 'Message search in headless Chromium: in-memory index vs scanning decrypted rows',
        figures,
        environment: { chromium: browser.version },
        notes: quick ? ['--quick: a tenth of the messages; the targets are for the full run.'] : [],
      };
    } finally {
      await browser.close();
    }
  },
};
