// A minimal hint for a backup passphrase: length is what matters for a passphrase nobody has seen,
// and Argon2id in the file adds the rest. Deliberately simple; the account password has the full
// strength meter.
export const PASSPHRASE_MIN_LENGTH = 12;

export function passphraseHint(passphrase: string): string {
  // Code points, not UTF-16 units: an emoji is not two characters. Close enough for a hint.
  const length = Array.from(passphrase).length;
  if (length === 0)
    return `At least ${PASSPHRASE_MIN_LENGTH} characters; four or more random words work well.`;
  if (length < PASSPHRASE_MIN_LENGTH)
    return `Too short: ${PASSPHRASE_MIN_LENGTH - length} more characters at least.`;
  if (length < 20 || new Set(passphrase.toLowerCase()).size < 8) return 'Fair. Longer is stronger.';
  return 'Strong.';
}
