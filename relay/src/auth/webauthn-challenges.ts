// WebAuthn challenges: 256 random bits, stored for five minutes under a random id, bound to their
// purpose and (except for discoverable sign-in) to the account, and deleted when taken, so each
// answers exactly one ceremony whether that ceremony succeeds or not.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export const CHALLENGE_TTL_MS = 5 * 60_000;
export type ChallengePurpose = 'register' | 'login' | 'reauth';

export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}

export async function storeChallenge(
  db: Kysely<Database>,
  options: { purpose: ChallengePurpose; accountId: number | null; challenge: string },
): Promise<string> {
  const now = Date.now();
  // Expired challenges are only clutter, but they are cleared where new ones are made.
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).execute();
  const id = randomBytes(32).toString('base64url');
  await db
    .insertInto('webauthn_challenges')
    .values({
      id,
      account_id: options.accountId,
      purpose: options.purpose,
      challenge: options.challenge,
      expires_at: now + CHALLENGE_TTL_MS,
    })
    .execute();
  return id;
}

/** Deletes the challenge and returns it if it was live and matches purpose and account. */
export async function takeChallenge(
  db: Kysely<Database>,
  options: { id: string; purpose: ChallengePurpose; accountId: number | null },
): Promise<string | null> {
  const row = await db
    .deleteFrom('webauthn_challenges')
    .where('id', '=', options.id)
    .returning(['challenge', 'purpose', 'account_id', 'expires_at'])
    .executeTakeFirst();
  if (row === undefined) return null;
  const matches =
    row.purpose === options.purpose &&
    row.account_id === options.accountId &&
    row.expires_at > Date.now();
  return matches ? row.challenge : null;
}
