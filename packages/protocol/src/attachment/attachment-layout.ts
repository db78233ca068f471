// The fixed shape of an encrypted attachment blob, shared by the encryptor, the decryptor and the
// pointer decoder. Because every chunk but the last holds exactly ATTACHMENT_CHUNK_SIZE plaintext
// bytes, the ciphertext size follows from the plaintext size alone: a receiver (and the relay's
// quota check) can verify a declared size without decrypting anything.
//
// Blob layout:
//   24 secretstream header | chunk_0 | ... | chunk_{n-1}
//   chunk_i = crypto_secretstream_xchacha20poly1305_push(plaintext_i), 17 bytes longer than plaintext_i
//   n = max(1, ceil(plaintextSize / ATTACHMENT_CHUNK_SIZE)); chunks 0..n-2 are full and tagged MESSAGE,
//   chunk n-1 holds the rest (0..ATTACHMENT_CHUNK_SIZE bytes; 0 only for an empty attachment) and is
//   tagged FINAL.

import { fail } from '../errors';
import { SIZES } from '../primitives/sizes';

/**
 * Plaintext bytes per chunk: 64 KiB. Large enough that the 17-byte per-chunk overhead is 0.03 % and
 * the per-call cost of the libsodium bridge is amortised; small enough that a phone decrypting a
 * video holds only a few chunks in memory at a time.
 */
export const ATTACHMENT_CHUNK_SIZE = 64 * 1024;

/** Ciphertext bytes of every chunk but the last. */
export const ATTACHMENT_CIPHERTEXT_CHUNK_SIZE = ATTACHMENT_CHUNK_SIZE + SIZES.streamOverhead;

/**
 * Largest attachment the format describes: 1 TiB, far above any relay's cap. Bounding it keeps the
 * size arithmetic below exact in JavaScript numbers.
 */
export const ATTACHMENT_MAX_PLAINTEXT_SIZE = 2 ** 40;

/** Number of secretstream chunks an attachment of `plaintextSize` bytes is cut into. */
export function attachmentChunkCount(plaintextSize: number): number {
  assertSize(plaintextSize, 'attachmentChunkCount');
  return Math.max(1, Math.ceil(plaintextSize / ATTACHMENT_CHUNK_SIZE));
}

/** Exact size of the blob (header and chunks) the relay stores for `plaintextSize` bytes. */
export function attachmentCiphertextSize(plaintextSize: number): number {
  const chunks = attachmentChunkCount(plaintextSize);
  return SIZES.streamHeader + plaintextSize + chunks * SIZES.streamOverhead;
}

function assertSize(size: number, context: string): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    fail('INVALID_ARGUMENT', `${context}: size must be a non-negative integer`);
  }
  if (size > ATTACHMENT_MAX_PLAINTEXT_SIZE) {
    fail('TOO_LARGE', `${context}: attachment larger than ${ATTACHMENT_MAX_PLAINTEXT_SIZE} bytes`);
  }
}
