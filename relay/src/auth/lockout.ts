// Per-account failure counting: after LOCKOUT_THRESHOLD consecutive failures the account locks,
// first for one minute, doubling with every further failure, at most one hour. While locked, a
// password attempt is answered exactly like a wrong password (no oracle), without being checked.
export const LOCKOUT_THRESHOLD = 5;
const BASE_LOCK_MS = 60_000;
const MAX_LOCK_MS = 60 * 60_000;

export function lockDuration(failures: number): number {
  if (failures < LOCKOUT_THRESHOLD) return 0;
  return Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** (failures - LOCKOUT_THRESHOLD));
}

export function isLocked(lockedUntil: number | null, now: number): boolean {
  return lockedUntil !== null && lockedUntil > now;
}
