// The fuzzing harness of suite 2 (docs/security.md): hostile byte strings for one decoder, counted
// by outcome. Inputs are half-valid on purpose — mutated real encodings reach the deep branches of a
// parser that uniformly random bytes never pass the version byte of.

import fc from 'fast-check';
import { isProtocolError, PROTOCOL_ERROR_CODES } from '../errors';
import type { LayerCounts } from './layered-primitives';
import { settledMemory } from '../test-support/settled-memory';

/** VEIL_SOAK=1 (pnpm test:soak) multiplies every input count by ten; VEIL_SOAK=n by n*10. */
export const SOAK_FACTOR = (() => {
  const raw = Number(process.env['VEIL_SOAK'] ?? 0);
  return Number.isFinite(raw) && raw > 0 ? raw * 10 : 1;
})();

export const CI_INPUTS_PER_SURFACE = 100_000;

export interface SurfaceReport {
  surface: string;
  inputs: number;
  accepted: number;
  typedErrors: number;
  crashes: number;
  unhandledRejections: number;
  heapGrowthMiB: number;
  /** For the decrypting openers: how many inputs got past the parser to each crypto layer. */
  layers?: LayerCounts;
}

/** mulberry32: a tiny deterministic PRNG, so one 32-bit seed from fast-check names one input. */
function prng(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % Math.max(below, 1)) >>> 0;
  };
}

/** bytes[0..cut) + middle + bytes[resume..): copies with set(), not spreads (inputs reach 2 KiB). */
function splice(bytes: Uint8Array, cut: number, middle: Uint8Array, resume: number): Uint8Array {
  const tail = bytes.subarray(Math.min(resume, bytes.length));
  const out = new Uint8Array(cut + middle.length + tail.length);
  out.set(bytes.subarray(0, cut), 0);
  out.set(middle, cut);
  out.set(tail, cut + middle.length);
  return out;
}

function randomBytes(next: (below: number) => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = next(256);
  return out;
}

const EDGE_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
const NOTHING = new Uint8Array(0);

/** One edit of an encoding: what a bit flip on the wire, a truncation or a hostile peer produces. */
function mutate(bytes: Uint8Array, next: (below: number) => number): Uint8Array {
  const pos = next(bytes.length + 1);
  switch (next(7)) {
    case 0: {
      const out = bytes.slice();
      if (pos < out.length) out[pos]! ^= 1 << next(8);
      return out;
    }
    case 1: {
      const out = bytes.slice();
      if (pos < out.length) out[pos] = EDGE_BYTES[next(EDGE_BYTES.length)]!;
      return out;
    }
    case 2:
      return bytes.slice(0, pos);
    case 3:
      return splice(bytes, pos, randomBytes(next, 1 + next(24)), pos);
    case 4:
      return splice(bytes, pos, NOTHING, pos + 1 + next(64));
    case 5: {
      // A length prefix turned into "4 GiB follow" or "65535 follow".
      const out = bytes.slice();
      out.fill(0xff, pos, Math.min(out.length, pos + (next(2) === 0 ? 2 : 4)));
      return out;
    }
    default:
      return splice(bytes, bytes.length, randomBytes(next, 1 + next(64)), bytes.length);
  }
}

/**
 * Random bytes (1 in 5) or a real encoding with one to four mutations (4 in 5). fast-check draws
 * one 32-bit seed per input and a PRNG expands it: far cheaper than composing arbitraries (the
 * decoders themselves take microseconds), and a failure's seed reproduces its input exactly.
 */
export function hostileBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.integer().map((seed) => {
    const next = prng(seed);
    if (next(5) === 0) return randomBytes(next, next(513));
    let bytes = seeds[next(seeds.length)]!;
    for (let edits = 1 + next(4); edits > 0; edits--) bytes = mutate(bytes, next);
    return bytes;
  });
}

const MIB = 1024 * 1024;

/**
 * Feeds `inputs` hostile inputs to `decode`. Accepting an input is fine (a mutation may keep it
 * valid); throwing anything but a ProtocolError with a known code is a crash, and fast-check then
 * shrinks it to the smallest failing input and fails the test with it.
 */
export function fuzzDecoder(
  surface: string,
  options: {
    seeds: readonly Uint8Array[];
    decode: (input: Uint8Array) => unknown;
    inputs?: number;
    /** Called before each input (the openers reset their per-input layer record). */
    beforeInput?: () => void;
  },
): SurfaceReport {
  const inputs = (options.inputs ?? CI_INPUTS_PER_SURFACE) * SOAK_FACTOR;
  const report: SurfaceReport = {
    surface,
    inputs: 0,
    accepted: 0,
    typedErrors: 0,
    crashes: 0,
    unhandledRejections: 0,
    heapGrowthMiB: 0,
  };
  const onRejection = (): void => {
    report.unhandledRejections++;
  };
  process.on('unhandledRejection', onRejection);
  const heapBefore = settledMemory().heapUsed;
  // Nine in ten inputs end in a thrown ProtocolError; capturing a stack for each would cost more
  // than the decoder itself. A crash is reproduced from its seed with stacks back on.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    fc.assert(
      fc.property(hostileBytes(options.seeds), (input) => {
        report.inputs++;
        options.beforeInput?.();
        try {
          options.decode(input);
          report.accepted++;
          return true;
        } catch (error) {
          if (isProtocolError(error) && PROTOCOL_ERROR_CODES.includes(error.code)) {
            report.typedErrors++;
            return true;
          }
          report.crashes++;
          throw error;
        }
      }),
      { numRuns: inputs },
    );
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    process.off('unhandledRejection', onRejection);
    report.heapGrowthMiB = (settledMemory().heapUsed - heapBefore) / MIB;
  }
  return report;
}

export function formatFuzzTable(title: string, reports: readonly SurfaceReport[]): string {
  const header =
    '| surface | inputs | crashes | unhandled rejections | typed errors | accepted | heap growth |';
  const rows = reports.map(
    (r) =>
      `| ${r.surface} | ${r.inputs} | ${r.crashes} | ${r.unhandledRejections} | ${r.typedErrors} | ${r.accepted} | ${r.heapGrowthMiB.toFixed(1)} MiB |`,
  );
  const table = [title, header, '|---|---:|---:|---:|---:|---:|---:|', ...rows];
  const layered = reports.filter((r) => r.layers !== undefined);
  if (layered.length === 0) return table.join('\n');
  const depth = layered.map(({ surface, inputs, layers: l }) => {
    const { anyCrypto, keyAgreement, keyAgreementsComputed, keyAgreementsReused } = l!;
    const agreements = `${keyAgreement} (${keyAgreementsComputed} computed, ${keyAgreementsReused} reused)`;
    return `| ${surface} | ${inputs} | ${inputs - anyCrypto} | ${agreements} | ${l!.signature} | ${l!.aead} |`;
  });
  return [
    ...table,
    '',
    'How deep the inputs went (an input may reach several layers)',
    '| surface | inputs | no crypto reached | key agreement | signature check | AEAD |',
    '|---|---:|---:|---:|---:|---:|',
    ...depth,
  ].join('\n');
}
