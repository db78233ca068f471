// Turns benchmark results into the printed table, the JSON file in bench/results/ and, with
// --update-docs, the table between this suite's markers in docs/performance.md.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Row {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly samples: number;
  /** Free text: target, ratio, baseline it is compared with. */
  readonly note?: string;
}

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: string;
  readonly met?: boolean;
}

export interface SuiteReport {
  readonly suite: string;
  readonly environment: Record<string, string>;
  readonly rows: readonly Row[];
  readonly figures: readonly Figure[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function formatNumber(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export function renderMarkdown(report: SuiteReport): string {
  const lines = [
    '| task | ops/s | median (ms) | p99 (ms) | samples | note |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...report.rows.map(
      (row) =>
        `| ${row.name} | ${formatNumber(row.opsPerSecond)} | ${formatNumber(row.medianMs)} | ${formatNumber(row.p99Ms)} | ${row.samples} | ${row.note ?? ''} |`,
    ),
    '',
    '| figure | value | target | met |',
    '| --- | ---: | --- | --- |',
    ...report.figures.map(
      (figure) =>
        `| ${figure.name} | ${formatNumber(figure.value)} ${figure.unit} | ${figure.target ?? ''} | ${
          figure.met === undefined ? '' : figure.met ? 'yes' : '**no**'
        } |`,
    ),
    '',
    `Environment: ${Object.entries(report.environment)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ')}.`,
  ];
  return lines.join('\n');
}

export function writeReport(report: SuiteReport, options: { updateDocs: boolean }): string {
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(resultsDir, `${report.suite}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(
    join(resultsDir, `${report.suite}-latest.json`),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  if (options.updateDocs) {
    const docs = join(root, 'docs', 'performance.md');
    const text = readFileSync(docs, 'utf8');
    const start = `<!-- bench:${report.suite}:start -->`;
    const end = `<!-- bench:${report.suite}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from === -1 || to === -1)
      throw new Error(`docs/performance.md lacks the ${report.suite} markers`);
    writeFileSync(
      docs,
      `${text.slice(0, from + start.length)}\n${renderMarkdown(report)}\n${text.slice(to)}`,
    );
  }
  return file;
}
