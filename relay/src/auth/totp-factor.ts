// An account's TOTP factor: enrolment (a seed, sealed with the relay key, inactive until a correct
// code confirms the user's app has it), verification with single use per time step, and removal.
// A thief with the database alone cannot read the seeds: they are sealed under `totp:<account id>`.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { RelayTotpStateError } from '../errors';
import type { RelayKeys } from '../secrets/relay-keys';
import { replaceRecoveryCodes } from './recovery-codes';
import { matchTotpStep, newTotpSecret, totpUri } from './totp';

export class TotpFactor {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: RelayKeys,
  ) {}

  private context(accountId: number): string {
    return `totp:${accountId}`;
  }

  /** A fresh seed, stored sealed and inactive; replaces an unconfirmed one. */
  async enrol(accountId: number, username: string): Promise<string> {
    const secret = newTotpSecret();
    const result = await this.db
      .updateTable('accounts')
      .set({
        totp_secret: this.keys.seal(Buffer.from(secret), this.context(accountId)),
        totp_enabled: 0,
        totp_last_step: null,
      })
      .where('id', '=', accountId)
      .where('totp_enabled', '=', 0)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) throw new RelayTotpStateError('TOTP is already on');
    return totpUri(username, secret);
  }

  /** Turns TOTP on after a correct code; returns the new recovery codes. */
  async confirm(accountId: number, code: string): Promise<string[] | null> {
    return this.db.transaction().execute(async (trx) => {
      const step = await this.match(trx, accountId, code, { enabled: false });
      if (step === null) return null;
      await trx
        .updateTable('accounts')
        .set({ totp_enabled: 1, totp_last_step: step })
        .where('id', '=', accountId)
        .execute();
      return replaceRecoveryCodes(trx, accountId);
    });
  }

  /** True for a valid, not yet used code of an account with TOTP on; the step is then spent. */
  async check(accountId: number, code: string): Promise<boolean> {
    const step = await this.match(this.db, accountId, code, { enabled: true });
    if (step === null) return false;
    // Atomic: of two requests with the same code, exactly one moves the step forward.
    const result = await this.db
      .updateTable('accounts')
      .set({ totp_last_step: step })
      .where('id', '=', accountId)
      .where('totp_enabled', '=', 1)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async disable(accountId: number, db: Kysely<Database> = this.db): Promise<void> {
    await db
      .updateTable('accounts')
      .set({ totp_secret: null, totp_enabled: 0, totp_last_step: null })
      .where('id', '=', accountId)
      .execute();
    await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
  }

  private async match(
    db: Kysely<Database>,
    accountId: number,
    code: string,
    expect: { enabled: boolean },
  ): Promise<number | null> {
    const row = await db
      .selectFrom('accounts')
      .select(['totp_secret', 'totp_enabled', 'totp_last_step'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (row?.totp_secret == null) {
      if (expect.enabled) return null;
      throw new RelayTotpStateError('Start TOTP enrolment first');
    }
    if ((row.totp_enabled === 1) !== expect.enabled) {
      if (expect.enabled) return null;
      throw new RelayTotpStateError('TOTP is already on');
    }
    const secret = Buffer.from(this.keys.open(row.totp_secret, this.context(accountId))).toString();
    return matchTotpStep({ secret, code, lastStep: row.totp_last_step, nowMs: Date.now() });
  }
}
