// Per-account failure counting: after LOCKOUT_THRESHOLD consecutive failures the account locks,
// first for one minute, doubling with every further failure, at most one hour. While locked, a
// password attempt is answered exactly like a wrong password (no oracle), without being checked,
// and second-factor codes are refused unchecked. Passkey sign-in ignores the lock, so an attacker
// hammering the password cannot lock the owner out of their passkeys.
//
// OPAQUE has a twist: a client with a wrong password notices by itself after the first round trip
// and need never send the second, so the relay cannot wait for a visible failure. Every password
// attempt therefore counts as a failure when it starts, and a correct proof takes it back.
import { ActivityKind } from '@veil/wire';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { ActivityLog } from './activity-log';

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

export class Lockout {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly activity: ActivityLog,
  ) {}

  async isLocked(accountId: number, now = Date.now()): Promise<boolean> {
    const row = await this.db
      .selectFrom('accounts')
      .select('locked_until')
      .where('id', '=', accountId)
      .executeTakeFirst();
    return row === undefined || isLocked(row.locked_until, now);
  }

  /**
   * Counts one failure (or presumed failure) and locks the account when it reaches the threshold.
   * Pass a transaction as `db` to commit it together with other writes.
   */
  async countFailure(
    accountId: number,
    detail: string,
    db: Kysely<Database> = this.db,
  ): Promise<void> {
    const now = Date.now();
    const row = await db
      .updateTable('accounts')
      .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
      .where('id', '=', accountId)
      .returning('failed_logins')
      .executeTakeFirst();
    const lock = row === undefined ? 0 : lockDuration(row.failed_logins);
    if (lock === 0) return;
    await db
      .updateTable('accounts')
      .set({ locked_until: now + lock })
      .where('id', '=', accountId)
      .execute();
    await this.activity.record(accountId, ActivityKind.locked, `${detail}, ${lock / 60_000} min`, {
      db,
    });
  }

  /**
   * The password was right: take back the failure its start counted, and lift a lock that start
   * set (an attempt only starts while unlocked, so any lock now is its own). Second-factor failures
   * stay counted, so a stolen password alone cannot reset the count for the code that follows.
   */
  async passwordProven(accountId: number): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set((eb) => ({
        // CASE rather than max(a, b): SQLite's two-argument max() is not portable SQL.
        failed_logins: eb
          .case()
          .when('failed_logins', '>', 0)
          .then(eb('failed_logins', '-', 1))
          .else(0)
          .end(),
        locked_until: null,
      }))
      .where('id', '=', accountId)
      .execute();
  }

  /** Every factor the account requires was shown: start counting from zero. */
  async reset(accountId: number): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ failed_logins: 0, locked_until: null })
      .where('id', '=', accountId)
      .execute();
  }
}
