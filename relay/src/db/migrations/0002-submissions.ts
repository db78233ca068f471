// Migration 0002: idempotency records for envelope submissions. An envelope row disappears once its
// recipients acknowledge it, so idempotency cannot rest on the envelope row alone: a sender's retry
// arriving after delivery would be stored twice. This table keeps the hash of the client id and a
// digest of what was submitted until the envelope TTL has passed. Neither names the sender.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('submissions')
    .addColumn('client_id_hash', 'blob', (c) => c.primaryKey())
    .addColumn('digest', 'blob', (c) => c.notNull())
    .addColumn('deliveries', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('submissions_expires')
    .on('submissions')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('submissions').execute();
}
