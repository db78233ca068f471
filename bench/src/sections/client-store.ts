// Figure 4, client store, in headless Chromium: the client's history store (Dexie, every row sealed
// under the vault key by RowCodec, MessageStore's append and page) beside raw IndexedDB storing the
// same messages as plain objects, both one transaction per message as messages arrive (in
// alternating slices); then opening a conversation in a store of 100,000 messages after a reload.
// The page code is bench/src/browser/client-store.page.ts.

import { fileURLToPath } from 'node:url';
import { openBenchPage } from '../browser/browser-harness';
import type { InsertAndPageResult } from '../browser/client-store.page';
import type { Figure, Section, SectionReport } from '../report';

const FULL = { messages: 20_000, store: 100_000 };
const QUICK = { messages: 2_000, store: 10_000 };
/** Ours and raw insert in this many alternating slices, so drifting load lands on both alike. */
const SLICES = 10;
const entry = fileURLToPath(new URL('../browser/client-store.page.ts', import.meta.url));

interface BenchApi {
  insertAndPage(
    count: number,
    slices: number,
  ): Promise<{ ours: InsertAndPageResult; raw: InsertAndPageResult }>;
  seed(name: string, count: number): Promise<string>;
  openLastPage(name: string, keyHex: string): Promise<{ openMs: number; rows: number }>;
}

type Call = <K extends keyof BenchApi>(
  method: K,
  ...args: Parameters<BenchApi[K]>
) => Promise<Awaited<ReturnType<BenchApi[K]>>>;

export const clientStoreSection: Section = {
  name: 'client-store',
  async run({ quick }): Promise<SectionReport> {
    const scale = quick ? QUICK : FULL;
    const browser = await openBenchPage(entry);
    const call: Call = (method, ...args) =>
      browser.page.evaluate(
        ([name, params]) =>
          (window as unknown as { veilBench: Record<string, (...a: unknown[]) => unknown> })
            .veilBench[name]!(...params),
        [method, args] as const,
      ) as never;
    try {
      const { ours, raw } = await call('insertAndPage', scale.messages, SLICES);
      const key = await call('seed', 'large', scale.store);
      await browser.page.reload();
      await browser.page.waitForFunction(() => document.title === 'ready');
      const open = await call('openLastPage', 'large', key);
      if (open.rows !== 50) throw new Error(`the newest page had ${String(open.rows)} rows`);

      const rate = (
        name: string,
        unit: string,
        count: (r: InsertAndPageResult) => number,
        ms: (r: InsertAndPageResult) => number,
        baseline: string,
      ): Figure => ({
        name,
        ours: { value: (count(ours) * 1000) / ms(ours), unit },
        baseline: { name: baseline, value: (count(raw) * 1000) / ms(raw), unit },
        target: { on: 'ratio', atLeast: 0.5 },
      });
      const figures: Figure[] = [
        rate(
          `insert ${scale.messages.toLocaleString('en-US')} messages, one transaction each`,
          'msg/s',
          () => scale.messages,
          (r) => r.insertMs,
          'raw IndexedDB, plain objects',
        ),
        rate(
          'read every 50-message page, newest to oldest',
          'pages/s',
          (r) => r.pages,
          (r) => r.pagesMs,
          'raw IndexedDB reverse cursor',
        ),
        {
          name: `open a conversation of ${scale.store.toLocaleString('en-US')} messages: newest page shown`,
          ours: { value: open.openMs, unit: 'ms' },
          target: { on: 'ours', atMost: 100 },
        },
      ];
      return {
        section: 'client-store',
        title: 'Client store in headless Chromium: Dexie + row encryption vs raw IndexedDB',
        figures,
        environment: { chromium: browser.version },
        notes: quick ? ['--quick: a tenth of the messages; the targets are for the full run.'] : [],
      };
    } finally {
      await browser.close();
    }
  },
};
