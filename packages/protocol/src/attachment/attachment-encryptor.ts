// Encrypts an attachment for upload: secretstream under a fresh random key, cut into the fixed
// chunks of attachment-layout.ts, while hashing the exact ciphertext bytes (BLAKE2b-256) the relay
// will store. The key, digest and sizes then go into an AttachmentPointer inside an encrypted
// message; the relay only ever sees the blob.

import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { SecretKey } from '../types';
import {
  ATTACHMENT_CHUNK_SIZE,
  ATTACHMENT_MAX_PLAINTEXT_SIZE,
  attachmentCiphertextSize,
} from './attachment-layout';
import { ByteQueue } from './byte-queue';

/** What encryption produced, besides the ciphertext: everything a pointer needs but the blob id. */
export interface EncryptedAttachment {
  readonly key: SecretKey;
  /** BLAKE2b-256 of the whole blob (header and every chunk). */
  readonly digest: Uint8Array;
  readonly plaintextSize: number;
  readonly ciphertextSize: number;
}

export interface AttachmentEncryptor {
  readonly key: SecretKey;
  /**
   * Feeds plaintext of any length; returns the ciphertext pieces ready so far (the header first),
   * possibly none. Their concatenation is the blob; their boundaries mean nothing.
   */
  push(plaintext: Uint8Array): Uint8Array[];
  /** Ends the attachment: returns the last pieces (the FINAL chunk) and the digest and sizes. */
  finish(): EncryptedAttachment & { readonly pieces: Uint8Array[] };
}

export function createAttachmentEncryptor(p: Primitives): AttachmentEncryptor {
  const key = p.randomBytes(SIZES.aeadKey) as SecretKey;
  const { header, pusher } = p.streamPush(key);
  const hash = p.blake2bStream(SIZES.hash256);
  const queue = new ByteQueue();
  let started = false;
  let closed = false;
  let plaintextSize = 0;
  let ciphertextSize = 0;

  const begin = (out: Uint8Array[]): void => {
    if (closed) fail('INVALID_ARGUMENT', 'attachmentEncryptor: already finished or failed');
    if (started) return;
    started = true;
    emit(out, header);
  };
  const emit = (out: Uint8Array[], bytes: Uint8Array): void => {
    hash.update(bytes);
    ciphertextSize += bytes.length;
    out.push(bytes);
  };

  return {
    key,
    push(plaintext) {
      const out: Uint8Array[] = [];
      begin(out);
      if (plaintextSize + plaintext.length > ATTACHMENT_MAX_PLAINTEXT_SIZE) {
        closed = true;
        fail('TOO_LARGE', `attachmentEncryptor.push: over ${ATTACHMENT_MAX_PLAINTEXT_SIZE} bytes`);
      }
      queue.push(plaintext);
      plaintextSize += plaintext.length;
      // Strictly more than one chunk queued: a full chunk is held back until we know whether it is
      // the last, because the last chunk must carry the FINAL tag.
      while (queue.length > ATTACHMENT_CHUNK_SIZE) {
        emit(out, pusher.push(queue.take(ATTACHMENT_CHUNK_SIZE), false));
      }
      return out;
    },
    finish() {
      const pieces: Uint8Array[] = [];
      begin(pieces);
      closed = true;
      emit(pieces, pusher.push(queue.take(queue.length), true));
      if (ciphertextSize !== attachmentCiphertextSize(plaintextSize)) {
        fail('INVALID_ARGUMENT', 'attachmentEncryptor.finish: layout invariant broken');
      }
      return { pieces, key, digest: hash.digest(), plaintextSize, ciphertextSize };
    },
  };
}

/** Whole-buffer encryption, for attachments small enough to hold in memory twice. */
export function encryptAttachment(
  p: Primitives,
  plaintext: Uint8Array,
): EncryptedAttachment & { readonly ciphertext: Uint8Array } {
  const encryptor = createAttachmentEncryptor(p);
  const first = encryptor.push(plaintext);
  const { pieces, ...result } = encryptor.finish();
  const ciphertext = new Uint8Array(result.ciphertextSize);
  let offset = 0;
  for (const piece of [...first, ...pieces]) {
    ciphertext.set(piece, offset);
    offset += piece.length;
  }
  return { ...result, ciphertext };
}

export interface AttachmentEncryptionStream {
  readonly key: SecretKey;
  /** The blob, piece by piece, as the source is read. Iterate it once. */
  readonly ciphertext: AsyncIterable<Uint8Array>;
  /** Digest and sizes; INVALID_ARGUMENT until `ciphertext` has been read to its end. */
  summary(): EncryptedAttachment;
}

/**
 * Encrypts a plaintext stream (a File's stream, a fetch body) without holding it in memory:
 * at most one chunk plus the caller's current piece is buffered.
 */
export function encryptAttachmentStream(
  p: Primitives,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AttachmentEncryptionStream {
  const encryptor = createAttachmentEncryptor(p);
  let result: EncryptedAttachment | undefined;
  async function* ciphertext(): AsyncGenerator<Uint8Array> {
    for await (const piece of source) yield* encryptor.push(piece);
    const { pieces, ...summary } = encryptor.finish();
    result = summary;
    yield* pieces;
  }
  return {
    key: encryptor.key,
    ciphertext: ciphertext(),
    summary() {
      if (result === undefined) {
        fail('INVALID_ARGUMENT', 'encryptAttachmentStream.summary: ciphertext not fully read');
      }
      return result;
    },
  };
}
