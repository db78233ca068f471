import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import type { SecretKey } from '../types';
import { attachmentCiphertextSize } from './attachment-layout';
import {
  decodeAttachmentPointer,
  encodeAttachmentPointer,
  type AttachmentPointer,
} from './attachment-pointer';

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

const base: AttachmentPointer = {
  blobId: 'b_Zx-19',
  key: new Uint8Array(32).fill(1) as SecretKey,
  digest: new Uint8Array(32).fill(2),
  plaintextSize: 1000,
  ciphertextSize: attachmentCiphertextSize(1000),
  contentType: 'image/png',
  fileName: 'photo of the café.png',
};

const pointerArbitrary: fc.Arbitrary<AttachmentPointer> = fc
  .record({
    blobId: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    digest: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    plaintextSize: fc.integer({ min: 0, max: 2 ** 40 }),
    contentType: fc.string({ maxLength: 60 }),
    fileName: fc
      .string({ unit: 'grapheme', maxLength: 60 })
      .filter((name) => new TextEncoder().encode(name).length <= 255),
    dimensions: fc.option(
      fc.tuple(fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 2 ** 32 - 1 })),
    ),
    thumbnail: fc.option(fc.uint8Array({ maxLength: 300 })),
  })
  .map(({ dimensions, thumbnail, key, plaintextSize, ...rest }) => ({
    ...rest,
    key: key as SecretKey,
    plaintextSize,
    ciphertextSize: attachmentCiphertextSize(plaintextSize),
    ...(dimensions === null ? {} : { width: dimensions[0], height: dimensions[1] }),
    ...(thumbnail === null ? {} : { thumbnail }),
  }));

describe('attachment pointer encoding', () => {
  test('encode/decode round-trips every pointer, optional fields included', () => {
    fc.assert(
      fc.property(pointerArbitrary, (pointer) => {
        expect(decodeAttachmentPointer(encodeAttachmentPointer(pointer))).toEqual(pointer);
      }),
      { numRuns: 300 },
    );
  });

  test('the documented layout, byte for byte', () => {
    const encoded = encodeAttachmentPointer({ ...base, width: 640, height: 480 });
    expect(encoded[0]).toBe(1); // version
    expect(encoded[1]).toBe(0x01); // flags: dimensions, no thumbnail
    expect(encoded.subarray(2, 4)).toEqual(Uint8Array.of(0, 7));
    expect(new TextDecoder().decode(encoded.subarray(4, 11))).toBe('b_Zx-19');
    expect(encoded.subarray(11, 43)).toEqual(base.key);
    expect(encoded.subarray(43, 75)).toEqual(base.digest);
    const view = new DataView(encoded.buffer, encoded.byteOffset);
    expect(view.getBigUint64(75)).toBe(1000n);
    expect(view.getBigUint64(83)).toBe(BigInt(attachmentCiphertextSize(1000)));
    expect(view.getUint32(encoded.length - 8)).toBe(640);
    expect(view.getUint32(encoded.length - 4)).toBe(480);
  });

  test('wrong version, truncation, trailing bytes and unknown flags are refused', () => {
    const encoded = encodeAttachmentPointer({ ...base, thumbnail: Uint8Array.of(1, 2, 3) });
    const wrongVersion = encoded.slice();
    wrongVersion[0] = 2;
    expect(codeOf(() => decodeAttachmentPointer(wrongVersion))).toBe('UNKNOWN_VERSION');
    for (let cut = 0; cut < encoded.length; cut++) {
      expect(codeOf(() => decodeAttachmentPointer(encoded.subarray(0, cut)))).toBe('TRUNCATED');
    }
    const trailing = Uint8Array.from([...encoded, 0]);
    expect(codeOf(() => decodeAttachmentPointer(trailing))).toBe('MALFORMED');
    const flags = encoded.slice();
    flags[1] = 0x06;
    expect(codeOf(() => decodeAttachmentPointer(flags))).toBe('MALFORMED');
  });

  test('a blob id that could leave its URL path is refused', () => {
    for (const blobId of ['../admin', 'a/b', 'a?b', '', 'x'.repeat(65), 'é']) {
      expect(codeOf(() => encodeAttachmentPointer({ ...base, blobId }))).toBe('INVALID_ARGUMENT');
    }
    const encoded = encodeAttachmentPointer({ ...base, blobId: 'abc' });
    encoded[5] = '/'.charCodeAt(0);
    expect(codeOf(() => decodeAttachmentPointer(encoded))).toBe('MALFORMED');
  });

  test('sizes must agree with the blob layout; limits are enforced', () => {
    const bad = { ...base, ciphertextSize: base.ciphertextSize + 17 };
    expect(codeOf(() => encodeAttachmentPointer(bad))).toBe('INVALID_ARGUMENT');
    const encoded = encodeAttachmentPointer(base);
    encoded[75 + 7]! ^= 1; // plaintext size 1000 -> 1001, ciphertext size unchanged
    expect(codeOf(() => decodeAttachmentPointer(encoded))).toBe('MALFORMED');
    expect(codeOf(() => encodeAttachmentPointer({ ...base, width: 10 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodeAttachmentPointer({ ...base, width: 0, height: 1 }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => encodeAttachmentPointer({ ...base, thumbnail: new Uint8Array(64 * 1024 + 1) })),
    ).toBe('TOO_LARGE');
    expect(codeOf(() => encodeAttachmentPointer({ ...base, fileName: 'x'.repeat(256) }))).toBe(
      'TOO_LARGE',
    );
    expect(
      codeOf(() => encodeAttachmentPointer({ ...base, key: new Uint8Array(31) as SecretKey })),
    ).toBe('INVALID_ARGUMENT');
  });
});
