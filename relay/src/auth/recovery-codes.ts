// Recovery codes: ten single-use codes shown once when TOTP is enabled (or regenerated), for the day
// the authenticator is lost. 80 random bits each in a base32 alphabet without look-alike letters,
// written `xxxx-xxxx-xxxx-xxxx`. Being random and long, a plain SHA-256 is enough to store them:
// there is nothing to guess that a slow hash would protect.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export const RECOVERY_CODE_COUNT = 10;
// Crockford's base32: digits and letters without i, l, o, u.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODE_CHARS = 16;

export function newRecoveryCode(): string {
  const bytes = randomBytes(CODE_CHARS);
  // 256 is a multiple of 32, so `byte % 32` is uniform.
  const chars = Array.from(bytes, (byte) => ALPHABET[byte % 32]!);
  return [0, 4, 8, 12].map((start) => chars.slice(start, start + 4).join('')).join('-');
}

/** Lower-cases, drops spaces and dashes, reads i/l as 1 and o as 0; null unless 16 valid chars. */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  if (code.length !== CODE_CHARS) return null;
  for (const char of code) if (!ALPHABET.includes(char)) return null;
  return code;
}

function hashRecoveryCode(normalized: string): Buffer {
  return createHash('sha256').update(`veil-recovery-code-v1\0${normalized}`).digest();
}

/** Replaces the account's codes with fresh ones and returns them (the only time they are seen). */
export async function replaceRecoveryCodes(
  db: Kysely<Database>,
  accountId: number,
): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
  await db
    .insertInto('recovery_codes')
    .values(
      codes.map((code) => ({
        account_id: accountId,
        code_hash: hashRecoveryCode(normalizeRecoveryCode(code)!),
        used_at: null,
      })),
    )
    .execute();
  return codes;
}

/** Marks a code used; true only for an unused code of this account (atomic, so at most once). */
export async function consumeRecoveryCode(
  db: Kysely<Database>,
  accountId: number,
  input: string,
): Promise<boolean> {
  const normalized = normalizeRecoveryCode(input);
  if (normalized === null) return false;
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: Date.now() })
    .where('account_id', '=', accountId)
    .where('code_hash', '=', hashRecoveryCode(normalized))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function countRecoveryCodesLeft(
  db: Kysely<Database>,
  accountId: number,
): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | bigint | string>().as('left'))
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.left);
}
