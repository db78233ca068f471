// Shared set-up of the two decoder attack files: primitives, seeds, one report table per file.
// Split in two so vitest runs the pure parsers and the crypto-opening paths in parallel workers.

import { afterAll, beforeAll, expect } from 'vitest';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { buildDecoderSeeds, type DecoderSeeds } from './decoder-seeds';
import {
  CI_INPUTS_PER_SURFACE,
  formatFuzzTable,
  fuzzDecoder,
  SOAK_FACTOR,
  type SurfaceReport,
} from './fuzz-harness';
import { layeredPrimitives } from './layered-primitives';

export interface DecoderSuite {
  readonly p: Primitives;
  readonly seeds: DecoderSeeds;
  /** Fuzzes one surface, records its row and asserts: no crash, no unhandled rejection. */
  fuzz(
    surface: string,
    seeds: readonly Uint8Array[],
    decode: (input: Uint8Array) => unknown,
    inputs?: number,
  ): void;
  /**
   * Fuzzes a decrypting opener on watched primitives (layered-primitives.ts): the row also says
   * how many inputs reached a key agreement, a signature check and an AEAD.
   */
  fuzzOpener(
    surface: string,
    seeds: readonly Uint8Array[],
    open: (p: Primitives, input: Uint8Array) => unknown,
    inputs?: number,
  ): void;
}

export function useDecoderSuite(title: string): DecoderSuite {
  const reports: SurfaceReport[] = [];
  const check = (report: SurfaceReport, inputs: number): void => {
    reports.push(report);
    expect(report.crashes).toBe(0);
    expect(report.unhandledRejections).toBe(0);
    expect(report.inputs).toBeGreaterThanOrEqual(inputs * SOAK_FACTOR);
  };
  const suite = {
    p: undefined as unknown as Primitives,
    seeds: undefined as unknown as DecoderSeeds,
    fuzz(
      surface: string,
      seeds: readonly Uint8Array[],
      decode: (input: Uint8Array) => unknown,
      inputs = CI_INPUTS_PER_SURFACE,
    ) {
      check(fuzzDecoder(surface, { seeds, decode, inputs }), inputs);
    },
    fuzzOpener(
      surface: string,
      seeds: readonly Uint8Array[],
      open: (p: Primitives, input: Uint8Array) => unknown,
      inputs = CI_INPUTS_PER_SURFACE,
    ) {
      const watched = layeredPrimitives(suite.p);
      const report = fuzzDecoder(surface, {
        seeds,
        decode: (input) => open(watched.p, input),
        inputs,
        beforeInput: () => watched.nextInput(),
      });
      check({ ...report, layers: watched.counts }, inputs);
    },
  };
  // Building the seeds (parties, sessions, a group, a vault file at Argon2id's 64 MiB floor) took
  // over vitest's 10 s hook limit on the loaded machine during a soak run, which skipped every
  // surface of both files without failing them.
  beforeAll(async () => {
    suite.p = await loadPrimitives();
    suite.seeds = buildDecoderSeeds(suite.p);
  }, 120_000);
  afterAll(() => {
    console.log(formatFuzzTable(title, reports));
  });
  return suite;
}
