// Reads Wycheproof test-vector files (C2SP/wycheproof, `testvectors_v1/`) for the primitives tests and
// tallies how many vectors behaved as expected. The vectors live outside the repository, in
// `../shared/vectors/wycheproof` beside the repo root, or in the folder named by VEIL_WYCHEPROOF_DIR;
// they are never copied in. Where the folder is absent the suites are skipped, and say so.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe } from 'vitest';
import { isProtocolError } from '../errors';

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

export interface WycheproofTest {
  readonly tcId: number;
  readonly comment?: string;
  readonly flags?: readonly string[];
  readonly result: WycheproofResult;
}

export interface WycheproofGroup<TTest extends WycheproofTest> {
  readonly type: string;
  readonly tests: readonly TTest[];
}

export interface WycheproofFile<TGroup> {
  readonly algorithm: string;
  readonly numberOfTests: number;
  readonly testGroups: readonly TGroup[];
}

/** Says, as outcome strings (see outcomeOf), what a vector expects and what our code did. */
export type VectorCheck<TGroup extends WycheproofGroup<WycheproofTest>> = (
  test: TGroup['tests'][number],
  group: TGroup,
) => { readonly expected: string; readonly actual: string };

/** What one file's vectors did: the numbers the test output has to state. */
export interface VectorReport {
  readonly fileName: string;
  /** The count the file's header announces; every one of them must have been checked. */
  readonly announced: number;
  readonly checked: number;
  readonly passed: number;
  readonly passedByResult: Readonly<Record<WycheproofResult, number>>;
  readonly failures: readonly string[];
}

interface Location {
  readonly dir: string | undefined;
  readonly reason: string;
}

/** The workspace root is the nearest ancestor holding pnpm-workspace.yaml. */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`wycheproof: no pnpm-workspace.yaml above ${start}`);
  }
}

function locate(): Location {
  const fromEnv = process.env['VEIL_WYCHEPROOF_DIR'];
  const dir =
    fromEnv !== undefined && fromEnv !== ''
      ? resolve(fromEnv)
      : resolve(
          findRepoRoot(dirname(fileURLToPath(import.meta.url))),
          '..',
          'shared',
          'vectors',
          'wycheproof',
        );
  if (existsSync(dir)) return { dir, reason: '' };
  const source = fromEnv ? 'VEIL_WYCHEPROOF_DIR' : '../shared/vectors/wycheproof (repo root)';
  return { dir: undefined, reason: `no Wycheproof folder at ${dir} (from ${source})` };
}

const location = locate();

/** Reports of the files run so far in this test module, printed after the enclosing suite. */
const finished: VectorReport[] = [];

/** The folder the vectors are read from, or undefined when it is absent. */
export const wycheproofDir: string | undefined = location.dir;

/**
 * A describe block that runs only when the vector folder exists; otherwise it is reported as
 * skipped and the reason is printed, so a green run without vectors cannot pass for a checked one.
 */
export function describeWycheproof(title: string, body: () => void): void {
  if (location.dir === undefined) {
    console.log(`wycheproof: skipping "${title}": ${location.reason}`);
  }
  describe.skipIf(location.dir === undefined)(title, () => {
    afterAll(() => {
      for (const report of finished.splice(0)) console.log(formatReport(report));
    });
    body();
  });
}

/** Reads and shape-checks one vector file. Call it inside a test, never at collection time. */
export function loadWycheproof<TGroup>(fileName: string): WycheproofFile<TGroup> {
  if (location.dir === undefined) throw new Error(`loadWycheproof: ${location.reason}`);
  const parsed = JSON.parse(readFileSync(join(location.dir, fileName), 'utf8')) as unknown;
  const file = parsed as Partial<WycheproofFile<TGroup>>;
  if (typeof file.numberOfTests !== 'number' || !Array.isArray(file.testGroups)) {
    throw new Error(`loadWycheproof: ${fileName} is not a Wycheproof vector file`);
  }
  return parsed as WycheproofFile<TGroup>;
}

/**
 * What a call did, as a short comparable string: the string the call returned, or
 * `throws CODE` for a ProtocolError. Any other exception is a bug and is described as such.
 */
export function outcomeOf(call: () => string): string {
  try {
    return call();
  } catch (error) {
    if (isProtocolError(error)) return `throws ${error.code}`;
    const name = error instanceof Error ? error.name : typeof error;
    return `throws foreign ${name}`;
  }
}

/**
 * Runs `check` on every vector of every group and compares what happened with what the vector
 * expects. `check` returns both as outcome strings (see outcomeOf); equal strings mean passed.
 */
export function checkVectors<TGroup extends WycheproofGroup<WycheproofTest>>(
  fileName: string,
  file: WycheproofFile<TGroup>,
  check: VectorCheck<TGroup>,
): VectorReport {
  const passedByResult: Record<WycheproofResult, number> = { valid: 0, invalid: 0, acceptable: 0 };
  const failures: string[] = [];
  let checked = 0;
  for (const group of file.testGroups) {
    for (const test of group.tests) {
      checked++;
      const { expected, actual } = check(test, group);
      if (expected === actual) {
        passedByResult[test.result]++;
      } else {
        const flags = test.flags?.join(',') ?? '';
        failures.push(
          `tcId ${test.tcId} (${test.result}; ${flags}; ${test.comment ?? ''}): ` +
            `expected "${expected}", got "${actual}"`,
        );
      }
    }
  }
  const passed = passedByResult.valid + passedByResult.invalid + passedByResult.acceptable;
  return { fileName, announced: file.numberOfTests, checked, passed, passedByResult, failures };
}

/** Loads one file, checks every vector, and queues the report for printing after the suite. */
export function runVectors<TGroup extends WycheproofGroup<WycheproofTest>>(
  fileName: string,
  check: VectorCheck<TGroup>,
): VectorReport {
  const report = checkVectors(fileName, loadWycheproof<TGroup>(fileName), check);
  finished.push(report);
  return report;
}

/** `wycheproof x25519_test.json: 518 vectors, 518 passed (264 valid, 254 acceptable)`. */
export function formatReport(report: VectorReport): string {
  const parts = (['valid', 'invalid', 'acceptable'] as const)
    .filter((result) => report.passedByResult[result] > 0)
    .map((result) => `${report.passedByResult[result]} ${result}`);
  const failed = report.checked - report.passed;
  return (
    `wycheproof ${report.fileName}: ${report.checked} vectors, ${report.passed} passed` +
    ` (${parts.join(', ')})` +
    (failed > 0 ? `, ${failed} FAILED` : '')
  );
}
