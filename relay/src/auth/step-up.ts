// Fresh proof for sensitive changes (password, factors, deleting the account): a stolen session
// cookie alone must not be enough to take an account over. The proof is the account's second factor
// when it has one (a current TOTP code, a recovery code or a passkey assertion), and otherwise the
// password, shown again through OPAQUE. Re-auth flows turn a proof into a single-use token bound to
// the session; a TOTP code may also be given inline.
import { ActivityKind } from '@veil/wire';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { RelaySecondFactorError, RelayStepUpRequiredError } from '../errors';
import type { AuthenticatedSession } from '../plugins/app/sessions';
import type { ActivityLog } from './activity-log';
import type { Lockout } from './lockout';
import { consumeRecoveryCode } from './recovery-codes';
import { TicketKind, type Tickets } from './tickets';
import type { TotpFactor } from './totp-factor';

export interface Factors {
  readonly totp: boolean;
  readonly passkeys: number;
}

export interface StepUpProof {
  readonly code?: string | undefined;
  readonly reauthToken?: string | undefined;
}

export type SecondFactorUsed = 'totp' | 'recovery-code';

export class StepUp {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly totp: TotpFactor,
    private readonly tickets: Tickets,
    private readonly lockout: Lockout,
    private readonly activity: ActivityLog,
  ) {}

  async factors(accountId: number): Promise<Factors> {
    const account = await this.db
      .selectFrom('accounts')
      .select('totp_enabled')
      .where('id', '=', accountId)
      .executeTakeFirst();
    const passkeys = await this.db
      .selectFrom('passkeys')
      .select((eb) => eb.fn.countAll<number | bigint | string>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return { totp: account?.totp_enabled === 1, passkeys: Number(passkeys.n) };
  }

  /**
   * Checks a TOTP code or a recovery code, counting a failure towards the lockout; while the
   * account is locked, codes are refused without being checked. Returns what was used, or null.
   */
  async checkSecondFactor(
    accountId: number,
    proof: { code?: string | undefined; recoveryCode?: string | undefined },
  ): Promise<SecondFactorUsed | null> {
    if (await this.lockout.isLocked(accountId)) return null;
    if (proof.code !== undefined && (await this.totp.check(accountId, proof.code))) return 'totp';
    if (
      proof.code === undefined &&
      proof.recoveryCode !== undefined &&
      (await this.factors(accountId)).totp &&
      (await consumeRecoveryCode(this.db, accountId, proof.recoveryCode))
    ) {
      await this.activity.record(accountId, ActivityKind.recoveryCodeUsed);
      return 'recovery-code';
    }
    await this.activity.record(
      accountId,
      ActivityKind.signInFailed,
      proof.code === undefined ? 'recovery-code' : 'totp',
    );
    await this.lockout.countFailure(accountId, 'second factor');
    return null;
  }

  /** Throws unless `proof` is a fresh proof for this session's account; spends the proof. */
  async require(session: AuthenticatedSession, proof: StepUpProof): Promise<void> {
    const { accountId } = session;
    const factors = await this.factors(accountId);
    const hasFactor = factors.totp || factors.passkeys > 0;
    if (proof.reauthToken !== undefined) {
      const ref = { token: proof.reauthToken, sessionId: session.id };
      const byFactor = await this.tickets.consume({ ...ref, kind: TicketKind.reauthFactor });
      if (byFactor === accountId) return;
      if (!hasFactor) {
        const byPassword = await this.tickets.consume({ ...ref, kind: TicketKind.reauthPassword });
        if (byPassword === accountId) return;
      }
      throw new RelayStepUpRequiredError('the re-auth token is not valid (or has expired)');
    }
    if (proof.code !== undefined && factors.totp) {
      if ((await this.checkSecondFactor(accountId, { code: proof.code })) === null) {
        throw new RelaySecondFactorError();
      }
      return;
    }
    throw new RelayStepUpRequiredError(
      hasFactor ? 'show your second factor (a TOTP code or a passkey)' : 'enter your password',
    );
  }
}
