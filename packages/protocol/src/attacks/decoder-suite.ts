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
}

export function useDecoderSuite(title: string): DecoderSuite {
  const reports: SurfaceReport[] = [];
  const suite = {
    p: undefined as unknown as Primitives,
    seeds: undefined as unknown as DecoderSeeds,
    fuzz(
      surface: string,
      seeds: readonly Uint8Array[],
      decode: (input: Uint8Array) => unknown,
      inputs = CI_INPUTS_PER_SURFACE,
    ) {
      const report = fuzzDecoder(surface, { seeds, decode, inputs });
      reports.push(report);
      expect(report.crashes).toBe(0);
      expect(report.unhandledRejections).toBe(0);
      expect(report.inputs).toBeGreaterThanOrEqual(inputs * SOAK_FACTOR);
    },
  };
  beforeAll(async () => {
    suite.p = await loadPrimitives();
    suite.seeds = buildDecoderSeeds(suite.p);
  });
  afterAll(() => {
    console.log(formatFuzzTable(title, reports));
  });
  return suite;
}
