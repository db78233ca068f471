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
import { CompiledQuery, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { RelayClientIdReusedError } from '../errors';
import type { DeviceAddress } from '../keys/prekey-store';
import { commitQueue, type Settled } from './commit-queue';
import {
  writeSubmissions,
  type Assigned,
  type PreparedSubmission,
  type WriteOutcome,
} from './write-submissions';

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

// The two statements every delivery runs (a socket's read, a device's ack), as fixed SQL: building
// and compiling them through Kysely's query builder cost more CPU than SQLite spent running them
// (bench: transport). Everything else uses the builder.
const READ_PAGE = `SELECT d.seq, d.key_record, e.body, e.created_at
  FROM deliveries d JOIN envelopes e ON e.id = d.envelope_id
  WHERE d.account_id = ? AND d.device_id = ? AND d.seq > ? AND e.expires_at > ?
  ORDER BY d.seq LIMIT ?`;
const DELETE_DELIVERIES = `DELETE FROM deliveries
  WHERE account_id = ? AND device_id = ? AND seq <= ? RETURNING envelope_id`;

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

function isUniqueViolation(error: unknown): boolean {
  const text =
    error instanceof Error ? `${(error as { code?: string }).code ?? ''} ${error.message}` : '';
  return /SQLITE_CONSTRAINT|UNIQUE constraint|23505/.test(text);
}

export async function createMailbox(
  db: Kysely<Database>,
  options: {
    envelopeTtlMs: number;
    /** After a commit: each recipient device and what it received, in sequence order. */
    publish: (device: DeviceAddress, envelopes: readonly MailboxEnvelope[]) => void;
    /** Called after a commit with the number of bodies stored. */
    accepted?: (envelopes: number) => void;
  },
): Promise<MailboxService> {
  const duplicateOf = async (clientIdHash: Buffer, digest: Buffer): Promise<SubmitReply> => {
    const stored = await db
      .selectFrom('submissions')
      .select(['digest', 'deliveries'])
      .where('client_id_hash', '=', clientIdHash)
      .executeTakeFirstOrThrow();
    if (!digest.equals(stored.digest)) throw new RelayClientIdReusedError();
    return { duplicate: true, deliveries: stored.deliveries };
  };

  const writeAlone = async (submission: PreparedSubmission): Promise<Settled<WriteOutcome>> => {
    try {
      const [outcome] = await db
        .transaction()
        .execute((trx) => writeSubmissions(trx, [submission]));
      return { ok: true, value: outcome! };
    } catch (error) {
      // Another writer on the same database stored this client id first.
      if (isUniqueViolation(error)) return { ok: true, value: { kind: 'known' } };
      return { ok: false, error };
    }
  };
  // Every submission goes through one commit queue: see commit-queue.ts for how batches form.
  const queue = commitQueue<PreparedSubmission, WriteOutcome>({
    maxBatch: MAX_BATCH,
    commit: async (batch) => {
      if (batch.length === 1) return [await writeAlone(batch[0]!)];
      try {
        const outcomes = await db.transaction().execute((trx) => writeSubmissions(trx, batch));
        return outcomes.map((value) => ({ ok: true, value }));
      } catch {
        // The batch rolled back as a whole. One bad submission must not fail the others, so each
        // is written again in a transaction of its own and settles with its own outcome.
        const settled: Settled<WriteOutcome>[] = [];
        for (const submission of batch) settled.push(await writeAlone(submission));
        return settled;
      }
    },
  });

  // Acks share transactions the same way: a fan-out to a thousand devices brings a thousand acks
  // back within milliseconds, and one fsync each would make acks, not deliveries, the limit.
  const acks = commitQueue<{ device: DeviceAddress; upTo: number }, number>({
    maxBatch: MAX_BATCH,
    commit: async (batch) => {
      try {
        return await db.transaction().execute((trx) => applyAcks(trx, batch));
      } catch {
        // As with submissions: one failing ack must not fail the others in its batch.
        const settled: Settled<number>[] = [];
        for (const ack of batch) {
          try {
            const [one] = await db.transaction().execute((trx) => applyAcks(trx, [ack]));
            settled.push(one!);
          } catch (error) {
            settled.push({ ok: false, error });
          }
        }
        return settled;
      }
    },
  });

  const service: MailboxService = {
    async submit(body) {
      const clientId = Buffer.from(body.clientId, 'base64url');
      const clientIdHash = sha256(clientId);
      const digest = submissionDigest(body);
      const now = Date.now();
      const outcome = await queue.push({
        clientIdHash,
        digest,
        createdAt: now,
        expiresAt: now + options.envelopeTtlMs,
        envelopes: body.envelopes.map((envelope, index) => {
          const index32 = Buffer.alloc(4);
          index32.writeUInt32BE(index);
          return {
            clientIdHash: sha256(clientId, index32),
            // The wire schema admitted only base64url text, so Node's decoder (native, and a
            // Buffer, which better-sqlite3 binds faster than a Uint8Array) is safe here.
            body: Buffer.from(envelope.body, 'base64url'),
            to: envelope.to.map((to) => ({
              username: to.username,
              deviceId: to.deviceId,
              keyRecord: to.keyRecord === undefined ? null : Buffer.from(to.keyRecord, 'base64url'),
            })),
          };
        }),
      });
      switch (outcome.kind) {
        case 'known':
          return duplicateOf(clientIdHash, digest);
        case 'again':
          return service.submit(body);
        case 'refused':
          throw outcome.error;
        case 'stored':
          break;
      }
      // Committed: only now may anyone (the sender, the recipients' sockets) hear of it.
      options.accepted?.(body.envelopes.length);
      publishCommitted(body, outcome.assigned, now, options.publish);
      return {
        duplicate: false,
        deliveries: outcome.assigned.length,
        ...(outcome.lists === undefined || outcome.lists.length === 0
          ? {}
          : { lists: [...outcome.lists] }),
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

/** Deletes a device's deliveries up to `upTo`; returns the bodies they pointed at. */
async function deleteDeliveries(
  trx: Transaction<Database>,
  device: DeviceAddress,
  upTo: number,
): Promise<number[]> {
  const { rows: gone } = await trx.executeQuery<{ envelope_id: number }>(
    CompiledQuery.raw(DELETE_DELIVERIES, [device.accountId, device.deviceId, upTo]),
  );
  return gone.map((row) => row.envelope_id);
}

/** Deletes those of `ids` that no device waits for any more. */
async function deleteOrphans(trx: Transaction<Database>, envelopeIds: Iterable<number>) {
  const ids = [...new Set(envelopeIds)];
  for (let i = 0; i < ids.length; i += 500) {
    await trx
      .deleteFrom('envelopes')
      .where('id', 'in', ids.slice(i, i + 500))
      .where(nobodyWaits)
      .execute();
  }
}

/** Applies a batch of acks in one transaction: each one's deliveries, then the bodies left over. */
async function applyAcks(
  trx: Transaction<Database>,
  acks: readonly { device: DeviceAddress; upTo: number }[],
): Promise<Settled<number>[]> {
  const deleted: Settled<number>[] = [];
  const envelopeIds: number[] = [];
  for (const { device, upTo } of acks) {
    const ids = await deleteDeliveries(trx, device, upTo);
    envelopeIds.push(...ids);
    deleted.push({ ok: true, value: ids.length });
  }
  await deleteOrphans(trx, envelopeIds);
  return deleted;
}

/**
 * Tells each recipient device what it just received, envelopes included: a socket that is caught
 * up sends them straight on instead of reading back what was just written (a body for a thousand
 * devices would otherwise be read a thousand times). Each body is encoded once, however many
 * devices it goes to.
 */
function publishCommitted(
  body: SubmitBody,
  assigned: readonly Assigned[],
  receivedAt: number,
  publish: (device: DeviceAddress, envelopes: readonly MailboxEnvelope[]) => void,
): void {
  // Re-encoded from the bytes (once per body), so a socket sends exactly what a read would return.
  const bodies = body.envelopes.map((envelope) =>
    Buffer.from(envelope.body, 'base64url').toString('base64url'),
  );
  const perDevice = new Map<string, { device: DeviceAddress; envelopes: MailboxEnvelope[] }>();
  for (const entry of assigned) {
    const key = `${String(entry.device.accountId)}:${String(entry.device.deviceId)}`;
    let bucket = perDevice.get(key);
    if (bucket === undefined)
      perDevice.set(key, (bucket = { device: entry.device, envelopes: [] }));
    bucket.envelopes.push({
      seq: entry.seq,
      body: bodies[entry.envelope]!,
      ...(entry.keyRecord === null ? {} : { keyRecord: base64url(entry.keyRecord) }),
      receivedAt,
    });
  }
  for (const { device, envelopes } of perDevice.values()) {
    envelopes.sort((a, b) => a.seq - b.seq);
    publish(device, envelopes);
  }
}
