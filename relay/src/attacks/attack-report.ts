// Counters and tables shared by the relay's attack suites (docs/security.md). VEIL_SOAK=1 (pnpm
// test:soak) multiplies every input count by ten.
import { settledMemory } from '@veil/protocol/test-support/settled-memory';

export const SOAK_FACTOR = (() => {
  const raw = Number(process.env['VEIL_SOAK'] ?? 0);
  return Number.isFinite(raw) && raw > 0 ? raw * 10 : 1;
})();

/**
 * Set-up hooks' limit: starting a relay and signing people up took over vitest's 10 s default on
 * the loaded machine (a soak run skipped whole suites that way).
 */
export const SET_UP_MS = 120_000;

export interface FuzzRow {
  surface: string;
  inputs: number;
  crashes: number;
  unhandledRejections: number;
  typedErrors: number;
  accepted: number;
  memory: string;
}

/** What one fuzz run counted: typed refusals, acceptances, and the inputs that got neither. */
export interface Tally<Bad> {
  inputs: number;
  typed: number;
  accepted: number;
  bad: Bad[];
}

/** A finished run's table row: anything neither accepted nor refused with a typed error crashed. */
export function tallyRow(
  surface: string,
  tally: Tally<unknown>,
  unhandledRejections: number,
  memory: string,
): FuzzRow {
  const { inputs, typed: typedErrors, accepted } = tally;
  return {
    surface,
    inputs,
    crashes: tally.bad.length,
    unhandledRejections,
    typedErrors,
    accepted,
    memory,
  };
}

export function fuzzTable(title: string, rows: readonly FuzzRow[]): string {
  return [
    title,
    '| surface | inputs | crashes | unhandled rejections | typed errors | accepted | memory growth |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.surface} | ${r.inputs} | ${r.crashes} | ${r.unhandledRejections} | ${r.typedErrors} | ${r.accepted} | ${r.memory} |`,
    ),
  ].join('\n');
}

export interface AttackRow {
  attack: string;
  attempts: number;
  refused: number;
}

export function attackTable(title: string, rows: readonly AttackRow[]): string {
  return [
    title,
    '| attack | attempts | refused |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.attack} | ${r.attempts} | ${r.refused} |`),
  ].join('\n');
}

const MIB = 1024 * 1024;

/** RSS and heap now, and a formatter for the growth since: both after a full collection. */
export function memoryMark(): () => string {
  const before = settledMemory();
  return () => {
    const after = settledMemory();
    const rss = (after.rss - before.rss) / MIB;
    const heap = (after.heapUsed - before.heapUsed) / MIB;
    return `RSS ${rss >= 0 ? '+' : ''}${rss.toFixed(1)} MiB, heap ${heap >= 0 ? '+' : ''}${heap.toFixed(1)} MiB`;
  };
}

/** Counts unhandled rejections while `run` is going on. */
export async function countingRejections<T>(run: (count: () => number) => Promise<T>): Promise<T> {
  let count = 0;
  const listener = (): void => {
    count++;
  };
  process.on('unhandledRejection', listener);
  try {
    return await run(() => count);
  } finally {
    process.off('unhandledRejection', listener);
  }
}

/** The relay's error shape: `{ statusCode, error, message }`, statusCode matching the status. */
export function isTypedError(status: number, body: string): boolean {
  if (status < 400 || status >= 500) return false;
  try {
    const parsed = JSON.parse(body) as { statusCode?: unknown; error?: unknown; message?: unknown };
    return (
      parsed.statusCode === status &&
      typeof parsed.error === 'string' &&
      typeof parsed.message === 'string'
    );
  } catch {
    return false;
  }
}
