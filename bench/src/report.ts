// What a bench section reports, and how a run becomes the printed table, one JSON file in
// bench/results/ and (with --update-docs) the tables between each section's markers in
// docs/performance.md. Every figure stands beside the baseline measured in the same run, so the
// ratio holds even when the absolute numbers move with the machine's load.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Measure {
  readonly value: number;
  readonly unit: string;
}

/** A target on the ratio (ours / baseline) or on our own value. */
export interface Target {
  readonly on: 'ratio' | 'ours';
  readonly atMost?: number;
  readonly atLeast?: number;
}

export interface Figure {
  readonly name: string;
  readonly ours: Measure;
  /** What the baseline is (e.g. "bare libsodium calls") and what it measured in this run. */
  readonly baseline?: Measure & { readonly name: string };
  /**
   * ours / baseline, or as given when the section measured it more carefully than the two
   * values allow (paired, alternating batches). Throughput ratios put ours on top, so
   * above 1 is faster; time ratios put ours on top, so above 1 is slower.
   */
  readonly ratio?: number;
  readonly target?: Target;
  /** Extra detail for the JSON and the docs (batch sizes, sample counts). */
  readonly detail?: Record<string, number | string>;
}

export interface SectionReport {
  readonly section: string;
  readonly title: string;
  readonly figures: readonly Figure[];
  readonly environment?: Record<string, string>;
  /** Lines printed under the table: what was skipped, where a build came from. */
  readonly notes?: readonly string[];
}

export interface Section {
  readonly name: string;
  run(options: { quick: boolean }): Promise<SectionReport>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function formatNumber(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function formatMeasure(measure: Measure): string {
  return `${formatNumber(measure.value)} ${measure.unit}`;
}

function ratioOf(figure: Figure): number | undefined {
  if (figure.ratio !== undefined) return figure.ratio;
  if (figure.baseline === undefined || figure.baseline.value === 0) return undefined;
  return figure.ours.value / figure.baseline.value;
}

function targetText(figure: Figure): string {
  const target = figure.target;
  if (target === undefined) return '';
  const unit = target.on === 'ratio' ? 'x' : ` ${figure.ours.unit}`;
  const bound =
    target.atMost !== undefined
      ? `≤ ${String(target.atMost)}${unit}`
      : `≥ ${(target.atLeast ?? 0).toLocaleString('en-US')}${unit}`;
  return target.on === 'ratio' ? `ratio ${bound}` : bound;
}

/** undefined when the figure has no target. */
export function passes(figure: Figure): boolean | undefined {
  const target = figure.target;
  if (target === undefined) return undefined;
  const value = target.on === 'ratio' ? ratioOf(figure) : figure.ours.value;
  if (value === undefined) return false;
  if (target.atMost !== undefined && value > target.atMost) return false;
  if (target.atLeast !== undefined && value < target.atLeast) return false;
  return true;
}

export function renderMarkdown(report: SectionReport): string {
  const lines = [
    '| figure | ours | baseline | ratio | target | pass? |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...report.figures.map((figure) => {
      const ratio = ratioOf(figure);
      const pass = passes(figure);
      return `| ${figure.name} | ${formatMeasure(figure.ours)} | ${
        figure.baseline === undefined ? '' : formatMeasure(figure.baseline)
      } | ${ratio === undefined ? '' : `${ratio.toFixed(2)}x`} | ${targetText(figure)} | ${
        pass === undefined ? '' : pass ? 'yes' : '**no**'
      } |`;
    }),
  ];
  const baselines = report.figures.filter((figure) => figure.baseline !== undefined);
  if (baselines.length > 0) {
    lines.push('', 'Baselines:');
    for (const figure of baselines) lines.push(`- ${figure.name}: ${figure.baseline!.name}`);
  }
  for (const note of report.notes ?? []) lines.push('', note);
  if (report.environment !== undefined) {
    lines.push(
      '',
      `Environment: ${Object.entries(report.environment)
        .map(([key, value]) => `${key} ${value}`)
        .join(', ')}.`,
    );
  }
  return lines.join('\n');
}

/** Writes one JSON file for the whole run; returns its path. */
export function writeResults(reports: readonly SectionReport[], startedAt: Date): string {
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(resultsDir, `bench-${stamp}.json`);
  const json = {
    startedAt: startedAt.toISOString(),
    sections: reports.map((report) => ({
      ...report,
      figures: report.figures.map((figure) => ({
        ...figure,
        ratio: ratioOf(figure),
        pass: passes(figure),
      })),
    })),
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}

/** Replaces each section's table between `<!-- bench:<section>:start/end -->` in the docs. */
export function updateDocs(reports: readonly SectionReport[]): void {
  const docs = join(root, 'docs', 'performance.md');
  let text = readFileSync(docs, 'utf8');
  for (const report of reports) {
    const start = `<!-- bench:${report.section}:start -->`;
    const end = `<!-- bench:${report.section}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from === -1 || to === -1)
      throw new Error(`docs/performance.md lacks the ${report.section} markers`);
    text = `${text.slice(0, from + start.length)}\n\n${renderMarkdown(report)}\n\n${text.slice(to)}`;
  }
  writeFileSync(docs, text);
  // The repo's formatter aligns the tables, so `pnpm check` stays green after an update.
  execFileSync('pnpm', ['exec', 'prettier', '--write', docs], { cwd: root, stdio: 'ignore' });
}
