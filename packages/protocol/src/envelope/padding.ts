// Padding so the relay sees only a few envelope sizes. We use fixed power-of-two buckets (not
// Padmé): at most ~2x overhead, but only ENVELOPE_BUCKETS.length distinct sizes in total, which
// matters more for a messenger whose typical message is far below the first bucket.
//
// Scheme: payload || 0x80 || 0x00… up to the target length (ISO/IEC 7816-4). Unpadding strips the
// zeros and the single 0x80; anything else is MALFORMED.

import { fail } from '../errors';

/** Every sealed envelope the relay stores is exactly one of these sizes (bytes). */
export const ENVELOPE_BUCKETS = [
  1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288,
] as const;

export const MAX_ENVELOPE_SIZE = 524288;

/** The smallest bucket that fits `length + overhead + 1` (the 0x80 marker). */
export function bucketFor(length: number, overhead: number): number {
  for (const bucket of ENVELOPE_BUCKETS) if (length + overhead + 1 <= bucket) return bucket;
  return fail('TOO_LARGE', `bucketFor: payload of ${length} bytes exceeds the largest envelope`);
}

export function pad(payload: Uint8Array, paddedLength: number): Uint8Array {
  if (payload.length + 1 > paddedLength)
    fail('INVALID_ARGUMENT', 'pad: payload longer than target');
  const out = new Uint8Array(paddedLength);
  out.set(payload);
  out[payload.length] = 0x80;
  return out;
}

export function unpad(padded: Uint8Array): Uint8Array {
  // The marker is the last non-zero byte; all zeros gives -1, where there is no byte (undefined).
  const end = padded.findLastIndex((byte) => byte !== 0);
  if (padded[end] !== 0x80) fail('MALFORMED', 'unpad: padding is invalid');
  return padded.subarray(0, end);
}
