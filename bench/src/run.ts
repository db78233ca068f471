// `pnpm bench`: runs every suite once, prints its table, writes JSON to bench/results/ and, with
// --update-docs, refreshes the tables in docs/performance.md.

import { runProtocolSuite } from './protocol-suite';
import { renderMarkdown, writeReport } from './report';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const updateDocs = args.has('--update-docs');

const report = await runProtocolSuite({ time: quick ? 200 : 1500 });
console.log(`\n## ${report.suite}\n\n${renderMarkdown(report)}\n`);
console.log(`results: ${writeReport(report, { updateDocs })}`);
