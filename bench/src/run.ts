// `pnpm bench [-- <section>...] [--quick] [--update-docs]`: runs the named sections (all by default)
// in one process, prints each one's table, writes one JSON file for the run to bench/results/ and,
// with --update-docs, refreshes the tables in docs/performance.md.

import {
  renderMarkdown,
  updateDocs,
  writeResults,
  type Section,
  type SectionReport,
} from './report';
import { attachmentsSection } from './sections/attachments';
import { clientStoreSection } from './sections/client-store';
import { coldStartSection } from './sections/cold-start';
import { cryptoSection } from './sections/crypto';
import { cryptoBrowserSection } from './sections/crypto-browser';
import { groupSection } from './sections/group';
import { relayStoreSection } from './sections/relay-store';
import { searchSection } from './sections/search';
import { sizeSection } from './sections/size';
import { transportSection } from './sections/transport';

// In the order a run prints them: cheap and CPU-bound first, so a broken build shows up early.
const sections: readonly Section[] = [
  sizeSection,
  cryptoSection,
  cryptoBrowserSection,
  groupSection,
  relayStoreSection,
  transportSection,
  clientStoreSection,
  searchSection,
  coldStartSection,
  attachmentsSection,
];

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const wanted = args.filter((arg) => !arg.startsWith('--'));
const unknown = wanted.filter((name) => !sections.some((section) => section.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown section(s): ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const selected =
  wanted.length === 0 ? sections : sections.filter((section) => wanted.includes(section.name));

const startedAt = new Date();
const reports: SectionReport[] = [];
for (const section of selected) {
  const began = performance.now();
  const report = await section.run({ quick: flags.has('--quick') });
  reports.push(report);
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  console.log(`\n## ${report.title} (${seconds} s)\n\n${renderMarkdown(report)}\n`);
}
console.log(`results: ${writeResults(reports, startedAt)}`);
if (flags.has('--update-docs')) updateDocs(reports);
