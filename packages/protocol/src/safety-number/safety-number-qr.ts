// The QR form of a safety number: scanning the other phone's code compares all 2 × 256 bits
// instead of the 2 × ~100 bits of the displayed digits, and spares users reading 60 digits aloud.
//
// Layout (version 1): u8 version | 32 local fingerprint | 32 remote fingerprint
// where each fingerprint is the first 32 bytes of that party's 64-byte fingerprint and "local" is
// the party showing the code. A scanner accepts the code only if its local half is the scanner's
// view of the remote account and its remote half is the scanner's own account.

import { VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { concatBytes } from '../encoding/bytes';
import type { AccountPublic } from '../identity/account-identity';
import type { Primitives } from '../primitives/primitives';
import { partyFingerprint } from './party-fingerprint';

const QR_FINGERPRINT_BYTES = 32;

/** Size of a safety-number QR payload: version byte and two truncated fingerprints. */
export const SAFETY_NUMBER_QR_BYTES = 1 + 2 * QR_FINGERPRINT_BYTES;

function truncated(p: Primitives, party: AccountPublic): Uint8Array {
  return partyFingerprint(p, party).subarray(0, QR_FINGERPRINT_BYTES);
}

/** The payload this device shows as a QR code to the contact `remote`. */
export function safetyNumberQr(
  p: Primitives,
  options: { local: AccountPublic; remote: AccountPublic },
): Uint8Array {
  return concatBytes(
    Uint8Array.of(VERSION.safetyNumberQr),
    truncated(p, options.local),
    truncated(p, options.remote),
  );
}

/**
 * Checks a payload scanned from the contact's screen. True only if it was made by `remote` for us
 * with the keys we hold; false for a foreign, swapped or substituted-key code. A payload of another
 * version is UNKNOWN_VERSION; a short or long one TRUNCATED or MALFORMED.
 */
export function compareSafetyNumberQr(
  p: Primitives,
  options: { local: AccountPublic; remote: AccountPublic; scanned: Uint8Array },
): boolean {
  const reader = new ByteReader(options.scanned, 'compareSafetyNumberQr');
  reader.version(VERSION.safetyNumberQr);
  const theirs = reader.fixed(2 * QR_FINGERPRINT_BYTES);
  reader.end();
  // Their "local" is our remote and their "remote" is us.
  const expected = concatBytes(truncated(p, options.remote), truncated(p, options.local));
  return p.constantTimeEqual(theirs, expected);
}
