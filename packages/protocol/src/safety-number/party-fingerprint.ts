// One party's half of a safety number: Signal's iterated-SHA-512 fingerprint (libsignal's
// NumericFingerprintGenerator, version 0 of the hash input), computed over our account key.
//
//   key     = u8 key type || 32-byte Ed25519 account key          (33 bytes)
//   hash_0  = u16 version (0, big-endian) || key || UTF-8 account id
//   hash_i  = SHA-512(hash_{i-1} || key)        for i = 1..5200
//   fingerprint = hash_5200                                          (64 bytes)
//
// Iterating 5200 times makes a brute-force search for a second key with a matching 30-digit
// fingerprint cost 5200 SHA-512 calls per guess, as in Signal.

import { LIMITS, VERSION } from '../constants';
import { concatBytes, utf8 } from '../encoding/bytes';
import { fail } from '../errors';
import { assertAccountId, type AccountPublic } from '../identity/account-identity';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';

/**
 * Key-type byte prefixed to the Ed25519 account key. Signal prefixes its Curve25519 identity keys
 * with 0x05 (DJB type); we use 0x06 for Ed25519, so that the same 32 bytes read as a different key
 * type can never produce the same fingerprint.
 */
export const SAFETY_NUMBER_KEY_TYPE_ED25519 = 0x06;

/** SHA-512 output length: the full fingerprint. Displays and QR codes use prefixes of it. */
const FINGERPRINT_BYTES = 64;

/**
 * The scheme itself, over an already type-prefixed key and any stable id. Exposed so tests can check
 * it against Signal's published vectors (Curve25519 keys, phone-number ids).
 */
export function iteratedFingerprint(
  p: Primitives,
  options: { encodedKey: Uint8Array; stableId: Uint8Array; iterations: number },
): Uint8Array {
  const { encodedKey, stableId, iterations } = options;
  if (!Number.isInteger(iterations) || iterations < 1) {
    fail('INVALID_ARGUMENT', 'iteratedFingerprint: iterations must be a positive integer');
  }
  const version = Uint8Array.of(VERSION.safetyNumber >> 8, VERSION.safetyNumber & 0xff);
  let hash = p.sha512(concatBytes(version, encodedKey, stableId, encodedKey));
  // One buffer reused for every round: hash in front, the key fixed behind it.
  const input = new Uint8Array(FINGERPRINT_BYTES + encodedKey.length);
  input.set(encodedKey, FINGERPRINT_BYTES);
  for (let i = 1; i < iterations; i++) {
    input.set(hash, 0);
    hash = p.sha512(input);
  }
  return hash;
}

/** The 64-byte fingerprint of one account (its id and Ed25519 account key). */
export function partyFingerprint(p: Primitives, party: AccountPublic): Uint8Array {
  assertAccountId(party.accountId, 'partyFingerprint');
  if (party.accountKey.length !== SIZES.ed25519PublicKey) {
    fail('INVALID_ARGUMENT', 'partyFingerprint: account key must be 32 bytes');
  }
  return iteratedFingerprint(p, {
    encodedKey: concatBytes(Uint8Array.of(SAFETY_NUMBER_KEY_TYPE_ED25519), party.accountKey),
    stableId: utf8(party.accountId),
    iterations: LIMITS.safetyNumberIterations,
  });
}
