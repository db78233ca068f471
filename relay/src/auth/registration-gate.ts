// Who may sign up, shared by password and passkey sign-up: the operator's registration mode
// ('open', 'invite' with a usable code, or 'closed'), and whether a username is already taken.
// The invite is only checked here; it is consumed in the transaction that creates the account.
import type { FastifyInstance } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import {
  RelayInviteInvalidError,
  RelayRegistrationClosedError,
  RelayUsernameTakenError,
} from '../errors';

export async function checkRegistrationOpen(
  app: FastifyInstance,
  invite: string | undefined,
): Promise<void> {
  if (app.auth.registration === 'closed') throw new RelayRegistrationClosedError();
  if (app.auth.registration === 'invite') {
    if (invite === undefined || !(await app.invites.isUsable(invite))) {
      throw new RelayInviteInvalidError();
    }
  }
}

export async function isUsernameTaken(db: Kysely<Database>, username: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where('username', '=', username)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Inserts the account row (consuming the invite in invite mode) inside the caller's transaction;
 * the username's uniqueness is settled here, so two racing sign-ups cannot both win.
 */
export async function insertAccount(
  app: FastifyInstance,
  trx: Transaction<Database>,
  values: { username: string; invite: string | undefined; webauthnUserId: Uint8Array | null },
): Promise<number> {
  if (app.auth.registration === 'invite') {
    if (!(await app.invites.consume(trx, values.invite ?? ''))) {
      throw new RelayInviteInvalidError();
    }
  }
  const inserted = await trx
    .insertInto('accounts')
    .values({
      username: values.username,
      webauthn_user_id: values.webauthnUserId,
      created_at: Date.now(),
    })
    .onConflict((conflict) => conflict.column('username').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted === undefined) throw new RelayUsernameTakenError();
  return inserted.id;
}
