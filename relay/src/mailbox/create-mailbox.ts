// The mailbox repository: submissions (one stored body per distinct envelope, one delivery row per
// recipient device, idempotent by client id), per-device reads in sequence order, cumulative acks
// that delete, and a sweep for what expired. A submission is acknowledged only after the transaction
// holding it committed (SQLite in WAL mode with synchronous=FULL: durable on COMMIT), and only then
// are the recipients' sockets told. Submissions arriving together share a transaction (group
// commit, commit-queue.ts), so one fsync covers many. No row records the sender.
import { createHash } from 'node:crypto';
import {
  MAILBOX_LIMITS,
  type MailboxEnvelope,
  type MailboxPage,
  type SubmitBody,
  type SubmitReply,
} from '@veil/wire';
import type SQLite from 'better-sqlite3';
import { CompiledQuery, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { DeviceAddress } from '../keys/prekey-store';
import { ackWriter } from './apply-acks';
import { batchTransaction } from './batch-transaction';
import { commitQueue } from './commit-queue';
import { submissionWriter, type Assigned } from './write-submissions';

export interface MailboxService {
  submit(body: SubmitBody): Promise<SubmitReply>;
  read(device: DeviceAddress, after: number, limit?: number): Promise<MailboxPage>;
  /** Deletes every delivery up to `upTo`; returns how many went. */
  ack(device: DeviceAddress, upTo: number): Promise<number>;
  /** The highest sequence ever assigned to the device (0 for none). */
  head(device: DeviceAddress): Promise<number>;
  /** Removes expired envelopes, orphaned bodies and old idempotency records. */
  sweep(now?: number): Promise<{ envelopes: number; submissions: number }>;
}

/** Submissions per transaction at most: bounds the wait of the first one in a full batch. */
const MAX_BATCH = 256;
/**
 * Acks per transaction at most: an ack is one small delete and nobody waits on its commit, so a
 * whole wave of them (every device of a large group's message, ack-flush.ts) goes in one.
 */
const ACK_MAX_BATCH = 4096;

// A socket's page read, as fixed SQL: building and compiling it through Kysely's query builder cost
// more CPU than SQLite spent running it (bench: transport). Writes (submissions, acks) are fixed SQL
// run synchronously (write-submissions.ts, apply-acks.ts); the rest uses the builder.
const READ_PAGE = `SELECT d.seq, d.key_record, e.body, e.created_at
  FROM deliveries d JOIN envelopes e ON e.id = d.envelope_id
  WHERE d.account_id = ? AND d.device_id = ? AND d.seq > ? AND e.expires_at > ?
  ORDER BY d.seq LIMIT ?`;
/** Node's native encoder: bodies run to 512 KiB, and every delivery encodes one. */
function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

interface PageRow {
  readonly seq: number;
  readonly key_record: Uint8Array | null;
  readonly body: Uint8Array;
  readonly created_at: number;
}

function sha256(...parts: readonly (string | Uint8Array)[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** What a retry must repeat exactly: every body with its recipients, in order. */
function submissionDigest(body: SubmitBody): Buffer {
  const hash = createHash('sha256');
  for (const envelope of body.envelopes) {
    hash.update(`${envelope.body.length}:${envelope.body}`);
    for (const to of envelope.to)
      hash.update(`|${to.username}:${to.deviceId}:${to.keyRecord ?? ''}`);
    hash.update('\n');
  }
  return hash.digest();
}

export async function createMailbox(
  database: { readonly db: Kysely<Database>; readonly sqlite: SQLite.Database },
  options: {
    envelopeTtlMs: number;
    /** After a commit: each recipient device and what it received, in sequence order. */
    publish: (device: DeviceAddress, envelopes: readonly MailboxEnvelope[]) => void;
    /** Called after a commit with the number of bodies stored. */
    accepted?: (envelopes: number) => void;
  },
): Promise<MailboxService> {
  const { db, sqlite } = database;
  // Every submission goes through one commit queue: see commit-queue.ts for how batches form.
  const queue = commitQueue({
    maxBatch: MAX_BATCH,
    commit: batchTransaction(db, sqlite, submissionWriter(sqlite)),
  });
  // Acks share transactions the same way: a fan-out to a thousand devices brings a thousand acks
  // back within milliseconds, and one fsync each would make acks, not deliveries, the limit. Their
  // commits skip the fsync: an ack lost to a crash is a redelivery, which clients drop, and the
  // next submission's fsync'd commit makes it durable anyway; an fsync here only blocked the event
  // loop between fan-outs (bench: transport, the 4 KiB p99).
  const acks = commitQueue({
    maxBatch: ACK_MAX_BATCH,
    commit: batchTransaction(db, sqlite, ackWriter(sqlite), { fsync: false }),
  });

  const service: MailboxService = {
    async submit(body) {
      const clientId = Buffer.from(body.clientId, 'base64url');
      const now = Date.now();
      // The wire schema admitted only base64url text, so Node's decoder (native, and a Buffer,
      // which better-sqlite3 binds faster than a Uint8Array) is safe here.
      const bodies = body.envelopes.map((envelope) => Buffer.from(envelope.body, 'base64url'));
      const outcome = await queue.push({
        clientIdHash: sha256(clientId),
        digest: submissionDigest(body),
        createdAt: now,
        expiresAt: now + options.envelopeTtlMs,
        envelopes: body.envelopes.map((envelope, index) => {
          const index32 = Buffer.alloc(4);
          index32.writeUInt32BE(index);
          return {
            clientIdHash: sha256(clientId, index32),
            body: bodies[index]!,
            to: envelope.to.map((to) => ({
              username: to.username,
              deviceId: to.deviceId,
              keyRecord: to.keyRecord === undefined ? null : Buffer.from(to.keyRecord, 'base64url'),
            })),
          };
        }),
      });
      if (outcome.kind === 'duplicate') return { duplicate: true, deliveries: outcome.deliveries };
      // Committed: only now may anyone (the sender, the recipients' sockets) hear of it.
      options.accepted?.(body.envelopes.length);
      publishCommitted(bodies, outcome.assigned, now, options.publish);
      return {
        duplicate: false,
        deliveries: outcome.assigned.length,
        ...(outcome.lists === undefined ? {} : { lists: outcome.lists }),
      };
    },

    async read(device, after, limit = MAILBOX_LIMITS.pageSize) {
      const { rows } = await db.executeQuery<PageRow>(
        CompiledQuery.raw(READ_PAGE, [
          device.accountId,
          device.deviceId,
          after,
          Date.now(),
          limit + 1,
        ]),
      );
      return {
        envelopes: rows.slice(0, limit).map((row) => ({
          seq: row.seq,
          body: base64url(row.body),
          ...(row.key_record === null ? {} : { keyRecord: base64url(row.key_record) }),
          receivedAt: row.created_at,
        })),
        more: rows.length > limit,
      };
    },

    ack: (device, upTo) => acks.push({ device, upTo }),

    async head(device) {
      const row = await db
        .selectFrom('mailbox_heads')
        .select('next_seq')
        .where('account_id', '=', device.accountId)
        .where('device_id', '=', device.deviceId)
        .executeTakeFirst();
      return row === undefined ? 0 : row.next_seq - 1;
    },

    async sweep(now = Date.now()) {
      return db.transaction().execute(async (trx) => {
        const expired = await trx
          .deleteFrom('envelopes')
          .where('expires_at', '<=', now)
          .executeTakeFirst();
        // Bodies whose every recipient acknowledged or left (device removed, account deleted).
        const orphaned = await trx.deleteFrom('envelopes').where(nobodyWaits).executeTakeFirst();
        const submissions = await trx
          .deleteFrom('submissions')
          .where('expires_at', '<=', now)
          .executeTakeFirst();
        return {
          envelopes: Number(expired.numDeletedRows) + Number(orphaned.numDeletedRows),
          submissions: Number(submissions.numDeletedRows),
        };
      });
    },
  };
  return service;
}

/** A body no device has a delivery of any more (all acknowledged, or their devices gone). */
function nobodyWaits(eb: ExpressionBuilder<Database, 'envelopes'>) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('deliveries')
        .select('deliveries.seq')
        .whereRef('deliveries.envelope_id', '=', 'envelopes.id'),
    ),
  );
}

/**
 * Tells each recipient device what it just received, envelopes included: a socket that is caught
 * up sends them straight on instead of reading back what was just written (a body for a thousand
 * devices would otherwise be read a thousand times). Each body is encoded once, however many
 * devices it goes to.
 */
function publishCommitted(
  bodies: readonly Buffer[],
  assigned: readonly Assigned[],
  receivedAt: number,
  publish: (device: DeviceAddress, envelopes: readonly MailboxEnvelope[]) => void,
): void {
  // Encoded from the stored bytes (once per body), so a socket sends exactly what a read returns.
  const encoded = bodies.map((bytes) => bytes.toString('base64url'));
  const perDevice = new Map<string, { device: DeviceAddress; envelopes: MailboxEnvelope[] }>();
  for (const entry of assigned) {
    const key = `${String(entry.device.accountId)}:${String(entry.device.deviceId)}`;
    let bucket = perDevice.get(key);
    if (bucket === undefined)
      perDevice.set(key, (bucket = { device: entry.device, envelopes: [] }));
    bucket.envelopes.push({
      seq: entry.seq,
      body: encoded[entry.envelope]!,
      ...(entry.keyRecord === null ? {} : { keyRecord: base64url(entry.keyRecord) }),
      receivedAt,
    });
  }
  for (const { device, envelopes } of perDevice.values()) {
    envelopes.sort((a, b) => a.seq - b.seq);
    publish(device, envelopes);
  }
}
