// Migration 0003: accounts that have only a passkey. The OPAQUE record moves out of `accounts` into
// `password_records` (an account has at most one; a passkey-only account has none), so "no
// password" is the absence of a row rather than a sentinel value. Each account also gets a random
// WebAuthn user handle: a passkey made at sign-up needs one before the account row (and its id)
// exists. Accounts made before this keep a null handle and the old id-derived one (passkeys.ts).
// Signup challenges remember the username and handle they were issued for.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('password_records')
    .addColumn('account_id', 'integer', (c) =>
      c.primaryKey().references('accounts.id').onDelete('cascade'),
    )
    .addColumn('opaque_record', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db
    .insertInto('password_records')
    .columns(['account_id', 'opaque_record', 'updated_at'])
    .expression(db.selectFrom('accounts').select(['id', 'opaque_record', 'created_at']))
    .execute();
  await db.schema.alterTable('accounts').dropColumn('opaque_record').execute();
  await db.schema.alterTable('accounts').addColumn('webauthn_user_id', 'blob').execute();
  await db.schema.alterTable('webauthn_challenges').addColumn('username', 'text').execute();
  await db.schema.alterTable('webauthn_challenges').addColumn('user_handle', 'blob').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webauthn_challenges').dropColumn('user_handle').execute();
  await db.schema.alterTable('webauthn_challenges').dropColumn('username').execute();
  await db.schema.alterTable('accounts').dropColumn('webauthn_user_id').execute();
  // Passkey-only accounts have no record to restore; they cannot go back to a password-only schema.
  await db.schema
    .alterTable('accounts')
    .addColumn('opaque_record', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db
    .updateTable('accounts')
    .set((eb) => ({
      opaque_record: eb.fn.coalesce(
        eb
          .selectFrom('password_records')
          .select('opaque_record')
          .whereRef('password_records.account_id', '=', 'accounts.id'),
        eb.val(''),
      ),
    }))
    .execute();
  await db.schema.dropTable('password_records').execute();
}
