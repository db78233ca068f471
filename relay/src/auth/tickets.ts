// Short-lived single-use tokens handed to a client between two steps: a pending login waiting for
// its second factor, a re-auth proof, a password-change ticket. All live in `pending_logins` as
// SHA-256 hashes; the hash input names the kind and what the token is bound to (a session), so a
// token of one kind, or stolen from another session, matches no row.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export const TicketKind = {
  /** Password shown, second factor outstanding; at most MAX_TICKET_ATTEMPTS codes. */
  pendingLogin: 'pending-login',
  /** A second factor (TOTP, recovery code or passkey) shown again in this session. */
  reauthFactor: 'reauth-factor',
  /** The password shown again in this session (enough only for accounts without a second factor). */
  reauthPassword: 'reauth-password',
  /** Step-up done at password/start; redeemed at password/finish. */
  passwordChange: 'password-change',
  /** Made by a signed-in device for a browser it is linking; redeemed once for a session. */
  deviceLink: 'device-link',
} as const;
export type TicketKind = (typeof TicketKind)[keyof typeof TicketKind];

export const TICKET_TTL_MS = 5 * 60_000;
export const MAX_TICKET_ATTEMPTS = 5;

export interface TicketRef {
  readonly kind: TicketKind;
  readonly token: string;
  /** The session id the ticket belongs to, or null for a pending login (no session yet). */
  readonly sessionId: number | null;
}

function ticketHash({ kind, token, sessionId }: TicketRef): Buffer {
  return createHash('sha256')
    .update(`veil-ticket-v1\0${kind}\0${sessionId ?? ''}\0${token}`)
    .digest();
}

export class Tickets {
  constructor(private readonly db: Kysely<Database>) {}

  async issue(options: {
    kind: TicketKind;
    accountId: number;
    sessionId: number | null;
  }): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = Date.now() + TICKET_TTL_MS;
    await this.db
      .insertInto('pending_logins')
      .values({
        token_hash: ticketHash({ ...options, token }),
        account_id: options.accountId,
        expires_at: expiresAt,
      })
      .execute();
    return { token, expiresAt };
  }

  /** Redeems a ticket (deleting it); the account it was issued for, or null. */
  async consume(ref: TicketRef, db: Kysely<Database> = this.db): Promise<number | null> {
    const row = await db
      .deleteFrom('pending_logins')
      .where('token_hash', '=', ticketHash(ref))
      .where('expires_at', '>', Date.now())
      .returning('account_id')
      .executeTakeFirst();
    return row?.account_id ?? null;
  }

  /**
   * Spends one attempt on a ticket before its code is checked, so parallel guesses cannot exceed
   * the budget. Returns the account, or null when the ticket is unknown, expired or spent.
   */
  async spendAttempt(ref: TicketRef): Promise<number | null> {
    const row = await this.db
      .updateTable('pending_logins')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('token_hash', '=', ticketHash(ref))
      .where('expires_at', '>', Date.now())
      .where('attempts', '<', MAX_TICKET_ATTEMPTS)
      .returning('account_id')
      .executeTakeFirst();
    return row?.account_id ?? null;
  }

  async sweepExpired(): Promise<void> {
    await this.db.deleteFrom('pending_logins').where('expires_at', '<=', Date.now()).execute();
  }
}
