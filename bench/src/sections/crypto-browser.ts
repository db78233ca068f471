// Figure 1, crypto, in headless Chromium: crypto/crypto-figures.ts bundled into a page
// (browser/crypto.page.ts) and run by Debian's Chromium, where libsodium's WebAssembly is the
// browser's, not Node's. The PWA runs this code, so this is the figure people feel.

import { fileURLToPath } from 'node:url';
import { openBenchPage } from '../browser/browser-harness';
import type { CryptoFigures } from '../crypto/crypto-figures';
import type { Section, SectionReport } from '../report';

const entry = fileURLToPath(new URL('../browser/crypto.page.ts', import.meta.url));

export const cryptoBrowserSection: Section = {
  name: 'crypto-browser',
  async run({ quick }): Promise<SectionReport> {
    const browser = await openBenchPage(entry);
    try {
      const measured = (await browser.page.evaluate(
        (options) =>
          (
            window as unknown as {
              veilBench: { measureCrypto(o: { quick: boolean }): Promise<unknown> };
            }
          ).veilBench.measureCrypto(options),
        { quick },
      )) as CryptoFigures;
      return {
        section: 'crypto-browser',
        title: 'Figure 1: crypto (@veil/protocol in headless Chromium)',
        figures: measured.figures,
        environment: { chromium: browser.version, libsodium: measured.libsodium },
        notes: measured.notes,
      };
    } finally {
      await browser.close();
    }
  },
};
