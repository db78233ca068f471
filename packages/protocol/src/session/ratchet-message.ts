// The Double Ratchet message on the wire.
//
// Layout (version 1):
//   u8 version | 32 ratchetKey (sender's current X25519 ratchet public key)
//   | u32 previousChainLength (PN) | u32 index (N) | ciphertext (XChaCha20-Poly1305, tag included)
// The header is the first 41 bytes; it is authenticated as part of the AEAD associated data.

import { VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { fail } from '../errors';
import { SIZES } from '../primitives/sizes';
import type { X25519PublicKey } from '../types';

export const RATCHET_HEADER_LENGTH = 41;

export interface RatchetHeader {
  readonly ratchetKey: X25519PublicKey;
  readonly previousChainLength: number;
  readonly index: number;
}

export interface RatchetMessage {
  readonly header: RatchetHeader;
  /** The header's exact bytes, as authenticated. */
  readonly headerBytes: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export function encodeRatchetHeader(header: RatchetHeader): Uint8Array {
  return new ByteWriter(RATCHET_HEADER_LENGTH)
    .u8(VERSION.ratchetMessage)
    .fixed(header.ratchetKey, SIZES.x25519PublicKey)
    .u32(header.previousChainLength)
    .u32(header.index)
    .finish();
}

export function decodeRatchetMessage(bytes: Uint8Array): RatchetMessage {
  const reader = new ByteReader(bytes, 'decodeRatchetMessage');
  reader.version(VERSION.ratchetMessage);
  const header = {
    ratchetKey: reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey,
    previousChainLength: reader.u32(),
    index: reader.u32(),
  };
  const ciphertext = reader.restView();
  if (ciphertext.length < SIZES.aeadTag)
    fail('TRUNCATED', 'decodeRatchetMessage: ciphertext shorter than a tag');
  return { header, headerBytes: bytes.subarray(0, RATCHET_HEADER_LENGTH), ciphertext };
}
