// The attachment pointer: what a message carries so its recipient can fetch, check and decrypt a
// blob. It travels only inside an end-to-end encrypted message, which is why it may hold the key
// and a small plaintext thumbnail.
//
// Layout (version 1, integers big-endian):
//   u8  version
//   u8  flags            bit 0: width/height present; bit 1: thumbnail present; others must be 0
//   u16 len + blobId     1..64 bytes of [A-Za-z0-9_-]
//   32  key              secretstream key
//   32  digest           BLAKE2b-256 of the whole blob
//   u64 plaintextSize
//   u64 ciphertextSize   must equal attachmentCiphertextSize(plaintextSize)
//   u16 len + contentType  UTF-8, at most 255 bytes
//   u16 len + fileName     UTF-8, at most 255 bytes
//   [u32 width | u32 height]       if flags bit 0; each at least 1
//   [u32 len + thumbnail]          if flags bit 1; at most 64 KiB

import { VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { utf8 } from '../encoding/bytes';
import { fail } from '../errors';
import { SIZES } from '../primitives/sizes';
import type { SecretKey } from '../types';
import { attachmentCiphertextSize } from './attachment-layout';

export const ATTACHMENT_POINTER_LIMITS = {
  /** Longest blob id, in bytes. The relay issues random base64url ids well below this. */
  maxBlobIdBytes: 64,
  maxContentTypeBytes: 255,
  maxFileNameBytes: 255,
  /** Largest inline thumbnail: 64 KiB, enough for a small JPEG or WebP preview. */
  maxThumbnailBytes: 64 * 1024,
} as const;

export interface AttachmentPointer {
  readonly blobId: string;
  readonly key: SecretKey;
  readonly digest: Uint8Array;
  readonly plaintextSize: number;
  readonly ciphertextSize: number;
  /** As the sender declared it; a display hint, never trusted for rendering decisions alone. */
  readonly contentType: string;
  readonly fileName: string;
  /** Pixel size of an image or video; both or neither. */
  readonly width?: number;
  readonly height?: number;
  readonly thumbnail?: Uint8Array;
}

const FLAG_DIMENSIONS = 0x01;
const FLAG_THUMBNAIL = 0x02;
/**
 * Blob ids end up in relay URLs; restricting them to the base64url alphabet means a pointer from a
 * malicious sender cannot make the recipient request another path ("../", "?", "#").
 */
const BLOB_ID = /^[A-Za-z0-9_-]+$/;

function checkBlobId(blobId: string, context: string, code: 'INVALID_ARGUMENT' | 'MALFORMED') {
  if (
    blobId.length === 0 ||
    blobId.length > ATTACHMENT_POINTER_LIMITS.maxBlobIdBytes ||
    !BLOB_ID.test(blobId)
  ) {
    fail(code, `${context}: blob id must be 1..64 characters of [A-Za-z0-9_-]`);
  }
}

function checkDimension(value: number, context: string, code: 'INVALID_ARGUMENT' | 'MALFORMED') {
  if (!Number.isInteger(value) || value < 1 || value > 0xffffffff) {
    fail(code, `${context}: width and height must be 1..2^32-1`);
  }
}

function checkSizes(
  pointer: AttachmentPointer,
  context: string,
  code: 'INVALID_ARGUMENT' | 'MALFORMED',
) {
  if (attachmentCiphertextSize(pointer.plaintextSize) !== pointer.ciphertextSize) {
    fail(code, `${context}: ciphertext size does not match plaintext size`);
  }
}

export function encodeAttachmentPointer(pointer: AttachmentPointer): Uint8Array {
  const context = 'encodeAttachmentPointer';
  const { width, height, thumbnail } = pointer;
  checkBlobId(pointer.blobId, context, 'INVALID_ARGUMENT');
  checkSizes(pointer, context, 'INVALID_ARGUMENT');
  if ((width === undefined) !== (height === undefined)) {
    fail('INVALID_ARGUMENT', `${context}: give both width and height or neither`);
  }
  if (width !== undefined && height !== undefined) {
    checkDimension(width, context, 'INVALID_ARGUMENT');
    checkDimension(height, context, 'INVALID_ARGUMENT');
  }
  if (utf8(pointer.contentType).length > ATTACHMENT_POINTER_LIMITS.maxContentTypeBytes) {
    fail('TOO_LARGE', `${context}: content type too long`);
  }
  if (utf8(pointer.fileName).length > ATTACHMENT_POINTER_LIMITS.maxFileNameBytes) {
    fail('TOO_LARGE', `${context}: file name too long`);
  }
  if (thumbnail !== undefined && thumbnail.length > ATTACHMENT_POINTER_LIMITS.maxThumbnailBytes) {
    fail('TOO_LARGE', `${context}: thumbnail over 64 KiB`);
  }
  const flags =
    (width !== undefined ? FLAG_DIMENSIONS : 0) | (thumbnail !== undefined ? FLAG_THUMBNAIL : 0);
  const writer = new ByteWriter(256 + (thumbnail?.length ?? 0))
    .u8(VERSION.attachmentPointer)
    .u8(flags)
    .string(pointer.blobId)
    .fixed(pointer.key, SIZES.aeadKey)
    .fixed(pointer.digest, SIZES.hash256)
    .u64(pointer.plaintextSize)
    .u64(pointer.ciphertextSize)
    .string(pointer.contentType)
    .string(pointer.fileName);
  if (width !== undefined && height !== undefined) writer.u32(width).u32(height);
  if (thumbnail !== undefined) writer.bytes(thumbnail);
  return writer.finish();
}

export function decodeAttachmentPointer(bytes: Uint8Array): AttachmentPointer {
  const context = 'decodeAttachmentPointer';
  const reader = new ByteReader(bytes, context);
  reader.version(VERSION.attachmentPointer);
  const flags = reader.u8();
  if ((flags & ~(FLAG_DIMENSIONS | FLAG_THUMBNAIL)) !== 0)
    fail('MALFORMED', `${context}: unknown flags`);
  const blobId = reader.string(ATTACHMENT_POINTER_LIMITS.maxBlobIdBytes);
  checkBlobId(blobId, context, 'MALFORMED');
  const key = reader.fixed(SIZES.aeadKey) as SecretKey;
  const digest = reader.fixed(SIZES.hash256);
  const plaintextSize = reader.u64();
  const ciphertextSize = reader.u64();
  const contentType = reader.string(ATTACHMENT_POINTER_LIMITS.maxContentTypeBytes);
  const fileName = reader.string(ATTACHMENT_POINTER_LIMITS.maxFileNameBytes);
  let pointer: AttachmentPointer = {
    blobId,
    key,
    digest,
    plaintextSize,
    ciphertextSize,
    contentType,
    fileName,
  };
  if (flags & FLAG_DIMENSIONS) {
    const width = reader.u32();
    const height = reader.u32();
    checkDimension(width, context, 'MALFORMED');
    checkDimension(height, context, 'MALFORMED');
    pointer = { ...pointer, width, height };
  }
  if (flags & FLAG_THUMBNAIL) {
    pointer = { ...pointer, thumbnail: reader.bytes(ATTACHMENT_POINTER_LIMITS.maxThumbnailBytes) };
  }
  reader.end();
  checkSizes(pointer, context, 'MALFORMED');
  return pointer;
}
