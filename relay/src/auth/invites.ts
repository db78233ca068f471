// Invite codes for relays in 'invite' registration mode, made by the operator (`veil-relay invites`).
// Codes are 80 random bits like recovery codes; the relay keeps only their SHA-256, an expiry and a
// use budget. A use is taken atomically in the same transaction that creates the account, so two
// sign-ups cannot share the last use and a failed sign-up gives its use back.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { newRecoveryCode, normalizeRecoveryCode } from './recovery-codes';

const DAY_MS = 24 * 60 * 60_000;

export interface InviteSummary {
  readonly id: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly maxUses: number;
  readonly uses: number;
}

function hashInvite(normalized: string): Buffer {
  return createHash('sha256').update(`veil-invite-v1\0${normalized}`).digest();
}

export class Invites {
  constructor(private readonly db: Kysely<Database>) {}

  /** A new code (returned once, never stored) usable `maxUses` times within `ttlMs`. */
  async create(
    options: { maxUses?: number; ttlMs?: number } = {},
  ): Promise<InviteSummary & { code: string }> {
    const maxUses = options.maxUses ?? 1;
    const ttlMs = options.ttlMs ?? 7 * DAY_MS;
    if (!Number.isSafeInteger(maxUses) || maxUses < 1) throw new RangeError('maxUses must be ≥ 1');
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError('ttlMs must be ≥ 1');
    // Same shape and alphabet as recovery codes: easy to read aloud, forgiving to type.
    const code = newRecoveryCode();
    const createdAt = Date.now();
    const row = await this.db
      .insertInto('invites')
      .values({
        code_hash: hashInvite(normalizeRecoveryCode(code)!),
        created_at: createdAt,
        expires_at: createdAt + ttlMs,
        max_uses: maxUses,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, code, createdAt, expiresAt: createdAt + ttlMs, maxUses, uses: 0 };
  }

  async list(): Promise<InviteSummary[]> {
    const rows = await this.db.selectFrom('invites').selectAll().orderBy('id').execute();
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      maxUses: row.max_uses,
      uses: row.uses,
    }));
  }

  async revoke(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('invites').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows === 1n;
  }

  /** Whether the code could be used now (checked at register/start, before the client's work). */
  async isUsable(code: string): Promise<boolean> {
    const hash = this.hashOf(code);
    if (hash === null) return false;
    const row = await this.db
      .selectFrom('invites')
      .select(['uses', 'max_uses', 'expires_at'])
      .where('code_hash', '=', hash)
      .executeTakeFirst();
    return row !== undefined && row.uses < row.max_uses && row.expires_at > Date.now();
  }

  /** Takes one use, atomically; pass the sign-up transaction as `db`. */
  async consume(db: Kysely<Database>, code: string): Promise<boolean> {
    const hash = this.hashOf(code);
    if (hash === null) return false;
    const result = await db
      .updateTable('invites')
      .set((eb) => ({ uses: eb('uses', '+', 1) }))
      .where('code_hash', '=', hash)
      .where('expires_at', '>', Date.now())
      .where((eb) => eb('uses', '<', eb.ref('max_uses')))
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  private hashOf(code: string): Buffer | null {
    const normalized = normalizeRecoveryCode(code);
    return normalized === null ? null : hashInvite(normalized);
  }
}
