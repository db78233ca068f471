// Decrypts a downloaded attachment blob against its pointer. The pointer fixes the exact layout
// (attachment-layout.ts), so every chunk boundary, the position of the FINAL chunk and the total
// length are known before the first byte arrives; anything else is refused.
//
// Two entry points with different guarantees:
// - decryptAttachment (whole buffer) checks length and BLAKE2b digest FIRST and decrypts only a blob
//   that is byte-for-byte the one the sender described: nothing is decrypted from a wrong blob.
// - createAttachmentDecryptor / decryptAttachmentStream release each chunk's plaintext as soon as
//   secretstream has authenticated it (so a video can play while downloading) and check the digest
//   at the end; a caller must treat the attachment as failed if finish() throws.

import { fail } from '../errors';
import type { Primitives, StreamPuller } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import {
  ATTACHMENT_CHUNK_SIZE,
  ATTACHMENT_CIPHERTEXT_CHUNK_SIZE,
  attachmentChunkCount,
  attachmentCiphertextSize,
} from './attachment-layout';
import type { AttachmentPointer } from './attachment-pointer';
import { ByteQueue } from './byte-queue';

/** The parts of a pointer that decryption depends on. */
export type AttachmentExpectation = Pick<
  AttachmentPointer,
  'key' | 'digest' | 'plaintextSize' | 'ciphertextSize'
>;

export interface AttachmentDecryptor {
  /** Feeds ciphertext of any length; returns the plaintext chunks it completed, possibly none. */
  push(ciphertext: Uint8Array): Uint8Array[];
  /** TRUNCATED if the blob is incomplete, HASH_MISMATCH if its digest differs from the pointer's. */
  finish(): void;
}

function checkExpectation(expected: AttachmentExpectation, context: string): void {
  if (expected.key.length !== SIZES.aeadKey) fail('INVALID_ARGUMENT', `${context}: bad key length`);
  if (expected.digest.length !== SIZES.hash256) {
    fail('INVALID_ARGUMENT', `${context}: bad digest length`);
  }
  if (attachmentCiphertextSize(expected.plaintextSize) !== expected.ciphertextSize) {
    fail('MALFORMED', `${context}: ciphertext size does not match plaintext size`);
  }
}

/**
 * Framing and decryption without hashing or length accounting, shared by both entry points. The
 * caller guarantees that no more than `ciphertextSize` bytes are ever pushed.
 */
function createChunkOpener(p: Primitives, expected: AttachmentExpectation, context: string) {
  const queue = new ByteQueue();
  const chunkCount = attachmentChunkCount(expected.plaintextSize);
  const lastChunkSize =
    expected.plaintextSize - (chunkCount - 1) * ATTACHMENT_CHUNK_SIZE + SIZES.streamOverhead;
  let puller: StreamPuller | undefined;
  let index = 0;

  return {
    get complete(): boolean {
      return index === chunkCount;
    },
    /** `view`: the caller drops this opener before returning, so the input need not be copied. */
    push(ciphertext: Uint8Array, out: Uint8Array[], view = false): void {
      if (view) queue.pushView(ciphertext);
      else queue.push(ciphertext);
      if (puller === undefined) {
        if (queue.length < SIZES.streamHeader) return;
        puller = p.streamPull(expected.key, queue.take(SIZES.streamHeader));
      }
      for (;;) {
        const isLast = index === chunkCount - 1;
        const size = isLast ? lastChunkSize : ATTACHMENT_CIPHERTEXT_CHUNK_SIZE;
        if (index === chunkCount || queue.length < size) return;
        const { plaintext, final } = puller.pull(queue.take(size));
        if (final && !isLast) fail('MALFORMED', `${context}: data after the final chunk`);
        if (!final && isLast) fail('TRUNCATED', `${context}: the blob has no final chunk`);
        index++;
        out.push(plaintext);
      }
    },
  };
}

export function createAttachmentDecryptor(
  p: Primitives,
  expected: AttachmentExpectation,
): AttachmentDecryptor {
  const context = 'attachmentDecryptor';
  checkExpectation(expected, context);
  const opener = createChunkOpener(p, expected, context);
  const hash = p.blake2bStream(SIZES.hash256);
  let received = 0;
  let closed = false;

  const guard = <T>(fn: () => T): T => {
    if (closed) fail('INVALID_ARGUMENT', `${context}: already finished or failed`);
    try {
      return fn();
    } catch (error) {
      closed = true;
      throw error;
    }
  };

  return {
    push(ciphertext) {
      return guard(() => {
        if (received + ciphertext.length > expected.ciphertextSize) {
          fail('MALFORMED', `${context}.push: more data than the pointer declares`);
        }
        received += ciphertext.length;
        hash.update(ciphertext);
        const out: Uint8Array[] = [];
        opener.push(ciphertext, out);
        return out;
      });
    },
    finish() {
      guard(() => {
        closed = true;
        if (received < expected.ciphertextSize)
          fail('TRUNCATED', `${context}.finish: blob incomplete`);
        if (!p.constantTimeEqual(hash.digest(), expected.digest)) {
          fail('HASH_MISMATCH', `${context}.finish: blob digest differs from the pointer's`);
        }
        // Exactly ciphertextSize bytes went through the opener, whose chunk sizes add up to it.
        if (!opener.complete) fail('MALFORMED', `${context}.finish: chunk layout mismatch`);
      });
    },
  };
}

/**
 * Whole-buffer decryption: length, then digest, then decryption. A blob that is not exactly the one
 * the pointer describes is refused (TRUNCATED, MALFORMED or HASH_MISMATCH) before any decryption.
 */
export function decryptAttachment(
  p: Primitives,
  options: { pointer: AttachmentExpectation; ciphertext: Uint8Array },
): Uint8Array {
  const context = 'decryptAttachment';
  const { pointer, ciphertext } = options;
  checkExpectation(pointer, context);
  if (ciphertext.length < pointer.ciphertextSize) fail('TRUNCATED', `${context}: blob incomplete`);
  if (ciphertext.length > pointer.ciphertextSize) {
    fail('MALFORMED', `${context}: blob longer than the pointer declares`);
  }
  if (!p.constantTimeEqual(p.blake2b(ciphertext, SIZES.hash256), pointer.digest)) {
    fail('HASH_MISMATCH', `${context}: blob digest differs from the pointer's`);
  }
  const opener = createChunkOpener(p, pointer, context);
  const chunks: Uint8Array[] = [];
  opener.push(ciphertext, chunks, true);
  if (!opener.complete) fail('MALFORMED', `${context}: chunk layout mismatch`);
  const plaintext = new Uint8Array(pointer.plaintextSize);
  let offset = 0;
  for (const chunk of chunks) {
    plaintext.set(chunk, offset);
    offset += chunk.length;
  }
  return plaintext;
}

/**
 * Streams plaintext out of a downloading blob. The digest is checked when the source ends, after
 * the last chunk was yielded: a consumer must discard what it showed if the iteration throws.
 */
export async function* decryptAttachmentStream(
  p: Primitives,
  options: {
    pointer: AttachmentExpectation;
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  },
): AsyncGenerator<Uint8Array> {
  const decryptor = createAttachmentDecryptor(p, options.pointer);
  for await (const piece of options.source) yield* decryptor.push(piece);
  decryptor.finish();
}
