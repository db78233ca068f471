// The 60-digit safety number two contacts compare to detect a substituted account key. Each party
// contributes 30 digits from its fingerprint (party-fingerprint.ts); the two halves are sorted so
// both sides display the same number.
//
//   digits(fp) = for each of the six 5-byte chunks of fp[0..30):
//                  (chunk read as a big-endian 40-bit integer) mod 100000, zero-padded to 5 digits
//   safety number = min(digits(local), digits(remote)) || max(...)   (string order)

import type { AccountPublic } from '../identity/account-identity';
import type { Primitives } from '../primitives/primitives';
import { partyFingerprint } from './party-fingerprint';

export interface SafetyNumber {
  /** 60 ASCII digits. */
  readonly digits: string;
  /** The same digits in 12 groups of 5, as they are displayed. */
  readonly groups: readonly string[];
}

/** A party's 30 displayed digits from its 64-byte fingerprint. */
export function fingerprintDigits(fingerprint: Uint8Array): string {
  let digits = '';
  for (let offset = 0; offset < 30; offset += 5) {
    let value = 0;
    // 40 bits fit exactly in a double; shifts would truncate to 32 bits.
    for (let i = 0; i < 5; i++) value = value * 256 + fingerprint[offset + i]!;
    digits += String(value % 100_000).padStart(5, '0');
  }
  return digits;
}

/** Orders the two halves so that both parties display the same 60 digits. */
export function combineDigits(local: string, remote: string): SafetyNumber {
  const digits = local <= remote ? local + remote : remote + local;
  const groups = Array.from({ length: 12 }, (_, i) => digits.slice(i * 5, i * 5 + 5));
  return { digits, groups };
}

export function safetyNumber(
  p: Primitives,
  options: { local: AccountPublic; remote: AccountPublic },
): SafetyNumber {
  return combineDigits(
    fingerprintDigits(partyFingerprint(p, options.local)),
    fingerprintDigits(partyFingerprint(p, options.remote)),
  );
}
