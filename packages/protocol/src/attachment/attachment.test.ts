import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { concatBytes, equalBytes } from '../encoding/bytes';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { SecretKey } from '../types';
import {
  createAttachmentDecryptor,
  decryptAttachment,
  decryptAttachmentStream,
  type AttachmentExpectation,
} from './attachment-decryptor';
import {
  createAttachmentEncryptor,
  encryptAttachment,
  encryptAttachmentStream,
} from './attachment-encryptor';
import {
  ATTACHMENT_CHUNK_SIZE as CHUNK,
  attachmentChunkCount,
  attachmentCiphertextSize,
} from './attachment-layout';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

/** vitest's toEqual walks typed arrays element by element: far too slow for 200 KiB blobs. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(equalBytes(actual, expected)).toBe(true);
}

/** Deterministic, position-dependent content, so a misplaced chunk cannot compare equal. */
function content(size: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);
}

/** Cuts `bytes` at the given offsets (taken modulo its length), in any order, duplicates allowed. */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))];
  points.sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  return pieces;
}

function decryptIncrementally(expected: AttachmentExpectation, pieces: Uint8Array[]): Uint8Array {
  const decryptor = createAttachmentDecryptor(p, expected);
  const out = pieces.flatMap((piece) => decryptor.push(piece));
  decryptor.finish();
  return concatBytes(...out);
}

/**
 * Builds a blob by hand with the given chunk tags, to produce layouts our encryptor never makes,
 * and an honest pointer to it. `trailing` bytes of junk stand for a chunk after a FINAL one.
 */
function craftBlob(chunks: readonly { size: number; final: boolean }[], trailing = 0) {
  const key = p.randomBytes(32) as SecretKey;
  const { header, pusher } = p.streamPush(key);
  const ciphertext = concatBytes(
    header,
    ...chunks.map((chunk) => pusher.push(new Uint8Array(chunk.size), chunk.final)),
    p.randomBytes(trailing),
  );
  const plaintextSize =
    chunks.reduce((sum, chunk) => sum + chunk.size, 0) +
    Math.max(0, trailing - SIZES.streamOverhead);
  const pointer = {
    key,
    digest: p.blake2b(ciphertext),
    plaintextSize,
    ciphertextSize: ciphertext.length,
  };
  return { ciphertext, pointer };
}

describe('attachment encryption round trip', () => {
  test.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])(
    'size %i: layout, digest over the stored bytes, and both decrypt paths',
    (size) => {
      const plaintext = content(size);
      const encrypted = encryptAttachment(p, plaintext);
      expect(encrypted.plaintextSize).toBe(size);
      expect(encrypted.ciphertext.length).toBe(attachmentCiphertextSize(size));
      expect(encrypted.ciphertextSize).toBe(encrypted.ciphertext.length);
      expect(encrypted.ciphertextSize).toBe(
        SIZES.streamHeader + size + attachmentChunkCount(size) * SIZES.streamOverhead,
      );
      expect(encrypted.digest).toEqual(p.blake2b(encrypted.ciphertext, 32));
      expectSameBytes(
        decryptAttachment(p, { pointer: encrypted, ciphertext: encrypted.ciphertext }),
        plaintext,
      );
      expectSameBytes(decryptIncrementally(encrypted, [encrypted.ciphertext]), plaintext);
    },
  );

  test('the chunk count follows the documented rule', () => {
    expect([0, 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 1].map(attachmentChunkCount)).toEqual([
      1, 1, 1, 2, 2, 3,
    ]);
  });

  test('any split of the plaintext and of the ciphertext gives the same result', () => {
    const size = fc.oneof(
      fc.integer({ min: 0, max: 300 }),
      fc
        .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -2, max: 2 }))
        .map(([chunks, delta]) => chunks * CHUNK + delta),
    );
    const cuts = fc.array(fc.nat(4 * CHUNK), { maxLength: 6 });
    fc.assert(
      fc.property(size, cuts, cuts, (length, plainCuts, cipherCuts) => {
        const plaintext = content(length, plainCuts.length);
        const encryptor = createAttachmentEncryptor(p);
        const pieces = split(plaintext, plainCuts).flatMap((piece) => encryptor.push(piece));
        const { pieces: last, ...result } = encryptor.finish();
        const ciphertext = concatBytes(...pieces, ...last);
        expect(result.plaintextSize).toBe(length);
        expect(result.ciphertextSize).toBe(ciphertext.length);
        expect(ciphertext.length).toBe(attachmentCiphertextSize(length));
        expect(result.digest).toEqual(p.blake2b(ciphertext, 32));
        expectSameBytes(decryptIncrementally(result, split(ciphertext, cipherCuts)), plaintext);
      }),
      { numRuns: 100 },
    );
  });

  test('stream helpers encrypt and decrypt async sources', async () => {
    const plaintext = content(2 * CHUNK + 77);
    async function* source(bytes: Uint8Array, step: number) {
      for (let i = 0; i < bytes.length; i += step) {
        await Promise.resolve();
        yield bytes.subarray(i, i + step);
      }
    }
    const stream = encryptAttachmentStream(p, source(plaintext, 10_000));
    expect(codeOf(() => stream.summary())).toBe('INVALID_ARGUMENT');
    const pieces: Uint8Array[] = [];
    for await (const piece of stream.ciphertext) pieces.push(piece);
    const summary = stream.summary();
    const ciphertext = concatBytes(...pieces);
    expect(summary.key).toEqual(stream.key);
    expect(summary.ciphertextSize).toBe(ciphertext.length);
    const out: Uint8Array[] = [];
    for await (const chunk of decryptAttachmentStream(p, {
      pointer: summary,
      source: source(ciphertext, 7_777),
    })) {
      out.push(chunk);
    }
    expectSameBytes(concatBytes(...out), plaintext);
  });

  test('every attachment gets a fresh key', () => {
    const a = encryptAttachment(p, content(10));
    const b = encryptAttachment(p, content(10));
    expect(a.key).not.toEqual(b.key);
    expect(a.digest).not.toEqual(b.digest);
    expect(
      codeOf(() =>
        decryptAttachment(p, { pointer: { ...a, key: b.key }, ciphertext: a.ciphertext }),
      ),
    ).toBe('DECRYPT_FAILED');
  });
});

describe('a damaged or substituted blob is refused', () => {
  test('a flipped bit anywhere: whole-buffer API refuses on the digest before decrypting', () => {
    const encrypted = encryptAttachment(p, content(2 * CHUNK + 100));
    let pulls = 0;
    const counting: Primitives = {
      ...p,
      streamPull: (key, header) => {
        pulls++;
        return p.streamPull(key, header);
      },
    };
    fc.assert(
      fc.property(
        fc.nat(encrypted.ciphertext.length - 1),
        fc.integer({ min: 0, max: 7 }),
        (index, bit) => {
          const tampered = encrypted.ciphertext.slice();
          tampered[index]! ^= 1 << bit;
          expect(
            codeOf(() => decryptAttachment(counting, { pointer: encrypted, ciphertext: tampered })),
          ).toBe('HASH_MISMATCH');
          expect(pulls).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a flipped bit anywhere: the incremental decryptor refuses it', () => {
    const encrypted = encryptAttachment(p, content(CHUNK + 100));
    for (const index of [0, 23, 24, 40, 24 + CHUNK + 16, encrypted.ciphertext.length - 1]) {
      const tampered = encrypted.ciphertext.slice();
      tampered[index]! ^= 0x10;
      expect(['DECRYPT_FAILED', 'HASH_MISMATCH']).toContain(
        codeOf(() => decryptIncrementally(encrypted, [tampered])),
      );
    }
  });

  test('a valid blob that is not the one the pointer hashed: HASH_MISMATCH', () => {
    const encrypted = encryptAttachment(p, content(CHUNK + 3));
    const pointer = { ...encrypted, digest: p.blake2b(Uint8Array.of(1)) };
    expect(codeOf(() => decryptAttachment(p, { pointer, ciphertext: encrypted.ciphertext }))).toBe(
      'HASH_MISMATCH',
    );
    const decryptor = createAttachmentDecryptor(p, pointer);
    expectSameBytes(concatBytes(...decryptor.push(encrypted.ciphertext)), content(CHUNK + 3));
    expect(codeOf(() => decryptor.finish())).toBe('HASH_MISMATCH');
  });

  test('truncated blobs: TRUNCATED at every cut', () => {
    const encrypted = encryptAttachment(p, content(CHUNK + 50));
    for (const cut of [0, 10, 24, 30, 24 + CHUNK + 17, encrypted.ciphertext.length - 1]) {
      const ciphertext = encrypted.ciphertext.subarray(0, cut);
      expect(codeOf(() => decryptAttachment(p, { pointer: encrypted, ciphertext }))).toBe(
        'TRUNCATED',
      );
      expect(codeOf(() => decryptIncrementally(encrypted, [ciphertext]))).toBe('TRUNCATED');
    }
  });

  test('a blob without a FINAL chunk is TRUNCATED even when the pointer matches it', () => {
    const { ciphertext, pointer } = craftBlob([{ size: 10, final: false }]);
    expect(codeOf(() => decryptAttachment(p, { pointer, ciphertext }))).toBe('TRUNCATED');
    expect(codeOf(() => decryptIncrementally(pointer, [ciphertext]))).toBe('TRUNCATED');
  });

  test('data after the FINAL chunk is MALFORMED', () => {
    const { ciphertext, pointer } = craftBlob([{ size: CHUNK, final: true }], 5 + 17);
    expect(codeOf(() => decryptAttachment(p, { pointer, ciphertext }))).toBe('MALFORMED');
    expect(codeOf(() => decryptIncrementally(pointer, [ciphertext]))).toBe('MALFORMED');
    const encrypted = encryptAttachment(p, content(100));
    const longer = concatBytes(encrypted.ciphertext, Uint8Array.of(0));
    expect(codeOf(() => decryptAttachment(p, { pointer: encrypted, ciphertext: longer }))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => decryptIncrementally(encrypted, [longer]))).toBe('MALFORMED');
  });

  test('sizes that contradict the layout are MALFORMED', () => {
    const encrypted = encryptAttachment(p, content(100));
    for (const pointer of [
      { ...encrypted, ciphertextSize: encrypted.ciphertextSize + 1 },
      { ...encrypted, plaintextSize: 99 },
    ]) {
      expect(
        codeOf(() => decryptAttachment(p, { pointer, ciphertext: encrypted.ciphertext })),
      ).toBe('MALFORMED');
      expect(codeOf(() => createAttachmentDecryptor(p, pointer))).toBe('MALFORMED');
    }
  });

  test('a decryptor that failed or finished refuses further input', () => {
    const encrypted = encryptAttachment(p, content(10));
    const decryptor = createAttachmentDecryptor(p, encrypted);
    decryptor.push(encrypted.ciphertext);
    decryptor.finish();
    expect(codeOf(() => decryptor.push(Uint8Array.of(1)))).toBe('INVALID_ARGUMENT');
    const encryptor = createAttachmentEncryptor(p);
    encryptor.finish();
    expect(codeOf(() => encryptor.push(Uint8Array.of(1)))).toBe('INVALID_ARGUMENT');
  });
});
