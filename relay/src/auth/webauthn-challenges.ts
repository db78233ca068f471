// WebAuthn challenges: 256 random bits, stored for five minutes under a random id, bound to their
// purpose and (except for discoverable sign-in) to the account, and deleted when taken, so each
// answers exactly one ceremony whether that ceremony succeeds or not. A signup challenge also holds
// the username and WebAuthn user handle it was issued for (there is no account yet to bind it to).
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export const CHALLENGE_TTL_MS = 5 * 60_000;
export type ChallengePurpose = 'register' | 'signup' | 'login' | 'reauth';

export interface SignupIntent {
  readonly username: string;
  readonly userHandle: Uint8Array;
}

export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}

export async function storeChallenge(
  db: Kysely<Database>,
  options: {
    purpose: ChallengePurpose;
    accountId: number | null;
    challenge: string;
    signup?: SignupIntent;
  },
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
      username: options.signup?.username ?? null,
      user_handle: options.signup?.userHandle ?? null,
    })
    .execute();
  return id;
}

/** Deletes the challenge and returns it if it was live and matches purpose and account. */
export async function takeChallenge(
  db: Kysely<Database>,
  options: { id: string; purpose: ChallengePurpose; accountId: number | null },
): Promise<string | null> {
  return (await takeChallengeRow(db, options))?.challenge ?? null;
}

/** Like takeChallenge, for a signup: also returns what the challenge was issued for. */
export async function takeSignupChallenge(
  db: Kysely<Database>,
  id: string,
): Promise<{ challenge: string; signup: SignupIntent } | null> {
  const row = await takeChallengeRow(db, { id, purpose: 'signup', accountId: null });
  if (row === null || row.username === null || row.user_handle === null) return null;
  return {
    challenge: row.challenge,
    signup: { username: row.username, userHandle: new Uint8Array(row.user_handle) },
  };
}

async function takeChallengeRow(
  db: Kysely<Database>,
  options: { id: string; purpose: ChallengePurpose; accountId: number | null },
): Promise<{ challenge: string; username: string | null; user_handle: Uint8Array | null } | null> {
  const row = await db
    .deleteFrom('webauthn_challenges')
    .where('id', '=', options.id)
    .returning(['challenge', 'purpose', 'account_id', 'expires_at', 'username', 'user_handle'])
    .executeTakeFirst();
  if (row === undefined) return null;
  const matches =
    row.purpose === options.purpose &&
    row.account_id === options.accountId &&
    row.expires_at > Date.now();
  return matches ? row : null;
}
