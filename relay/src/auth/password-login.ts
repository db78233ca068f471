// Password proof with OPAQUE, two round trips, used by sign-in and by re-authentication. The relay
// sees only OPAQUE messages. Unknown, disabled and locked accounts all get OPAQUE's fake record
// (`registrationRecord: null`): the same work, an answer of the same shape and size, and a finish
// that can only fail. So the routes reveal neither which accounts exist nor which are locked.
//
// Between the two messages the server state waits in `opaque_logins`, sealed with the relay key
// under `opaque-login:<loginId>`, for two minutes, and is deleted as it is read (single use).
import { randomBytes } from 'node:crypto';
import { ActivityKind } from '@veil/wire';
import type { Kysely } from 'kysely';
import type { Account, Database } from '../db/schema';
import { RelayMalformedAuthError } from '../errors';
import type { RelayKeys } from '../secrets/relay-keys';
import type { ActivityLog } from './activity-log';
import { isLocked, type Lockout } from './lockout';
import { opaqueServer } from './opaque';

export const LOGIN_STATE_TTL_MS = 2 * 60_000;

/** Sign-in, or re-authentication inside the session with this id. */
export type LoginPurpose = { kind: 'sign-in' } | { kind: 'reauth'; sessionId: number };

/** What is sealed in `opaque_logins.server_state`. */
interface SealedLogin {
  /** OPAQUE's server login state. */
  readonly s: string;
  /** The account a genuine attempt is for; null when the record was fake. */
  readonly a: number | null;
  /** The re-auth session, or null for sign-in. */
  readonly r: number | null;
}

export class PasswordLogin {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: RelayKeys,
    private readonly lockout: Lockout,
    private readonly activity: ActivityLog,
  ) {}

  async start(options: {
    username: string;
    startLoginRequest: string;
    purpose: LoginPurpose;
  }): Promise<{ loginId: string; loginResponse: string }> {
    await this.sweepExpired();
    const now = Date.now();
    const account = await this.db
      .selectFrom('accounts')
      .leftJoin('password_records', 'password_records.account_id', 'accounts.id')
      .select(['accounts.id', 'password_records.opaque_record', 'status', 'locked_until'])
      .where('username', '=', options.username)
      .executeTakeFirst();
    // A passkey-only account has no password: to a password guesser it is an unknown account.
    const genuine =
      account !== undefined &&
      account.opaque_record !== null &&
      account.status === 'active' &&
      !isLocked(account.locked_until, now)
        ? { id: account.id, opaque_record: account.opaque_record }
        : null;
    const server = await opaqueServer();
    let started: { serverLoginState: string; loginResponse: string };
    try {
      started = server.startLogin({
        serverSetup: this.keys.opaqueServerSetup,
        userIdentifier: options.username,
        registrationRecord: genuine?.opaque_record ?? null,
        startLoginRequest: options.startLoginRequest,
      });
    } catch {
      throw new RelayMalformedAuthError();
    }
    const loginId = randomBytes(32).toString('base64url');
    const sealed: SealedLogin = {
      s: started.serverLoginState,
      a: genuine?.id ?? null,
      r: options.purpose.kind === 'reauth' ? options.purpose.sessionId : null,
    };
    // One commit on every path (a commit is an fsync), so a known account costs no extra write.
    await this.db.transaction().execute(async (trx) => {
      // Presumed failed until the proof arrives (see lockout.ts: an OPAQUE client with the wrong
      // password need never send one).
      if (genuine !== null) await this.lockout.countFailure(genuine.id, 'password', trx);
      await trx
        .insertInto('opaque_logins')
        .values({
          id: loginId,
          username: options.username,
          server_state: this.keys.seal(
            Buffer.from(JSON.stringify(sealed)),
            `opaque-login:${loginId}`,
          ),
          expires_at: now + LOGIN_STATE_TTL_MS,
        })
        .execute();
    });
    return { loginId, loginResponse: started.loginResponse };
  }

  /** The account whose password was proven, or null (wrong password, unknown, expired, reused). */
  async finish(options: {
    loginId: string;
    finishLoginRequest: string;
    purpose: LoginPurpose;
  }): Promise<Account | null> {
    const row = await this.db
      .selectFrom('opaque_logins')
      .select('server_state')
      .where('id', '=', options.loginId)
      .where('expires_at', '>', Date.now())
      .executeTakeFirst();
    if (row === undefined) return null;
    const login = this.open(options.loginId, row.server_state);
    const server = await opaqueServer();
    let proven = false;
    try {
      // Run even for a fake record, so every refusal costs the same.
      server.finishLogin({
        serverLoginState: login.s,
        finishLoginRequest: options.finishLoginRequest,
      });
      proven = true;
    } catch {
      // Answered below like every other refusal.
    }
    const wanted = options.purpose.kind === 'reauth' ? options.purpose.sessionId : null;
    const genuine = login.a !== null && login.r === wanted ? login.a : null;
    // Single use: whoever deletes the state owns the outcome. The failure entry commits with the
    // deletion, so a known account's refusal costs the same one write as an unknown one's.
    const owned = await this.db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom('opaque_logins')
        .where('id', '=', options.loginId)
        .executeTakeFirst();
      if (deleted.numDeletedRows !== 1n) return false;
      if (genuine !== null && !proven) {
        await this.activity.record(genuine, ActivityKind.signInFailed, 'password', { db: trx });
      }
      return true;
    });
    if (!owned || !proven || genuine === null) return null;
    const account = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', genuine)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (account === undefined) return null;
    await this.lockout.passwordProven(account.id);
    return account;
  }

  /**
   * Attempts abandoned after the first round trip (how a wrong password usually looks with
   * OPAQUE) are logged once their state expires, dated when they started.
   */
  private async sweepExpired(): Promise<void> {
    const expired = await this.db
      .deleteFrom('opaque_logins')
      .where('expires_at', '<=', Date.now())
      .returning(['id', 'server_state', 'expires_at'])
      .execute();
    for (const row of expired) {
      const login = this.open(row.id, row.server_state);
      if (login.a === null) continue;
      await this.activity
        .record(login.a, ActivityKind.signInFailed, 'password', {
          at: row.expires_at - LOGIN_STATE_TTL_MS,
        })
        // The account may have been deleted since; its log went with it.
        .catch(() => undefined);
    }
  }

  private open(loginId: string, sealed: Uint8Array): SealedLogin {
    return JSON.parse(
      Buffer.from(this.keys.open(sealed, `opaque-login:${loginId}`)).toString(),
    ) as SealedLogin;
  }
}
