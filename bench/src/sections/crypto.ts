// Figure 1, crypto, in Node: the measurements of crypto/crypto-figures.ts (the same code the
// crypto-browser section runs in Chromium).

import { measureCrypto } from '../crypto/crypto-figures';
import type { Section, SectionReport } from '../report';

export const cryptoSection: Section = {
  name: 'crypto',
  async run(options): Promise<SectionReport> {
    const measured = await measureCrypto(options);
    return {
      section: 'crypto',
      title: 'Figure 1: crypto (@veil/protocol in Node)',
      figures: measured.figures,
      environment: {
        node: process.version,
        libsodium: measured.libsodium,
        platform: `${process.platform}-${process.arch}`,
      },
      notes: measured.notes,
    };
  },
};
