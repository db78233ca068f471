// Migration 0001: the initial schema. Frozen: never edit a migration that has shipped; add one.
// Portable Kysely schema builder only, so a Postgres dialect can run the same migrations.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const blob = 'blob';
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('opaque_record', 'text', (c) => c.notNull())
    .addColumn('account_key', blob)
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'bigint')
    .addColumn('totp_secret', blob)
    .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('totp_last_step', 'bigint')
    .addColumn('key_backup', blob)
    .addColumn('key_backup_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  const owned = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('account_id', 'integer', (c) =>
        c.notNull().references('accounts.id').onDelete('cascade'),
      );

  await owned('recovery_codes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('code_hash', blob, (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('recovery_codes_account')
    .on('recovery_codes')
    .column('account_id')
    .execute();

  await owned('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('public_key', blob, (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('passkeys_account').on('passkeys').column('account_id').execute();

  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'integer', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('challenge', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('opaque_logins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('server_state', blob, (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await owned('pending_logins')
    .addColumn('token_hash', blob, (c) => c.primaryKey())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await owned('sessions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('token_hash', blob, (c) => c.notNull().unique())
    .addColumn('device_id', 'integer')
    .addColumn('auth_method', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();

  await db.schema
    .createTable('invites')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('code_hash', blob, (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('max_uses', 'integer', (c) => c.notNull())
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await owned('activity_log')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('activity_log_account_at')
    .on('activity_log')
    .columns(['account_id', 'at'])
    .execute();

  await owned('devices')
    .addColumn('device_id', 'integer', (c) => c.notNull())
    .addColumn('identity_key', blob, (c) => c.notNull())
    .addColumn('signing_key', blob, (c) => c.notNull())
    .addColumn('certificate', blob, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addPrimaryKeyConstraint('devices_pk', ['account_id', 'device_id'])
    .execute();

  await owned('device_lists')
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('list', blob, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_lists_pk', ['account_id'])
    .execute();

  await owned('signed_prekeys')
    .addColumn('device_id', 'integer', (c) => c.notNull())
    .addColumn('prekey_id', 'bigint', (c) => c.notNull())
    .addColumn('body', blob, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('signed_prekeys_pk', ['account_id', 'device_id', 'prekey_id'])
    .execute();

  await owned('one_time_prekeys')
    .addColumn('device_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('prekey_id', 'bigint', (c) => c.notNull())
    .addColumn('body', blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('one_time_prekeys_pk', [
      'account_id',
      'device_id',
      'kind',
      'prekey_id',
    ])
    .execute();

  await owned('last_resort_prekeys')
    .addColumn('device_id', 'integer', (c) => c.notNull())
    .addColumn('prekey_id', 'bigint', (c) => c.notNull())
    .addColumn('body', blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('last_resort_prekeys_pk', ['account_id', 'device_id'])
    .execute();

  await db.schema
    .createTable('envelopes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('client_id_hash', blob, (c) => c.notNull().unique())
    .addColumn('body', blob, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('envelopes_expires').on('envelopes').column('expires_at').execute();

  await owned('deliveries')
    .addColumn('device_id', 'integer', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('envelope_id', 'integer', (c) =>
      c.notNull().references('envelopes.id').onDelete('cascade'),
    )
    .addColumn('key_record', blob)
    .addPrimaryKeyConstraint('deliveries_pk', ['account_id', 'device_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('deliveries_envelope')
    .on('deliveries')
    .column('envelope_id')
    .execute();

  await owned('mailbox_heads')
    .addColumn('device_id', 'integer', (c) => c.notNull())
    .addColumn('next_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mailbox_heads_pk', ['account_id', 'device_id'])
    .execute();

  await owned('blobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('received', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('complete', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('blobs_account').on('blobs').column('account_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'blobs',
    'mailbox_heads',
    'deliveries',
    'envelopes',
    'last_resort_prekeys',
    'one_time_prekeys',
    'signed_prekeys',
    'device_lists',
    'devices',
    'activity_log',
    'invites',
    'sessions',
    'pending_logins',
    'opaque_logins',
    'webauthn_challenges',
    'passkeys',
    'recovery_codes',
    'accounts',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
