// The mailbox repository: submissions (one stored body per distinct envelope, one delivery row per
// recipient device, idempotent by client id), per-device reads in sequence order, cumulative acks
// that delete, and a sweep for what expired. A submission is acknowledged only after the transaction
// holding it committed (SQLite in WAL mode with synchronous=FULL: durable on COMMIT), and only then
// are the recipients' sockets told. Submissions arriving together share a transaction (group
// commit, commit-queue.ts), so one fsync covers many. No row records the sender.
import { createHash } from 'node:crypto';
import { toBase64Url } from '@veil/protocol';
import { MAILBOX_LIMITS, type MailboxPage, type SubmitBody, type SubmitReply } from '@veil/wire';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { RelayClientIdReusedError } from '../errors';
import type { DeviceAddress } from '../keys/prekey-store';
import { commitQueue, type Settled } from './commit-queue';
import { writeSubmissions, type PreparedSubmission, type WriteOutcome } from './write-submissions';

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
    publish: (device: DeviceAddress, highestSeq: number) => void;
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
      const highest = new Map<string, { device: DeviceAddress; seq: number }>();
      for (const entry of outcome.assigned) {
        const key = `${entry.device.accountId}:${entry.device.deviceId}`;
        const seen = highest.get(key);
        if (seen === undefined || seen.seq < entry.seq) highest.set(key, entry);
      }
      for (const { device, seq } of highest.values()) options.publish(device, seq);
      return { duplicate: false, deliveries: outcome.assigned.length };
    },

    async read(device, after, limit = MAILBOX_LIMITS.pageSize) {
      const rows = await db
        .selectFrom('deliveries')
        .innerJoin('envelopes', 'envelopes.id', 'deliveries.envelope_id')
        .select([
          'deliveries.seq',
          'deliveries.key_record',
          'envelopes.body',
          'envelopes.created_at',
        ])
        .where('deliveries.account_id', '=', device.accountId)
        .where('deliveries.device_id', '=', device.deviceId)
        .where('deliveries.seq', '>', after)
        .where('envelopes.expires_at', '>', Date.now())
        .orderBy('deliveries.seq')
        .limit(limit + 1)
        .execute();
      return {
        envelopes: rows.slice(0, limit).map((row) => ({
          seq: row.seq,
          body: toBase64Url(row.body),
          ...(row.key_record === null ? {} : { keyRecord: toBase64Url(row.key_record) }),
          receivedAt: row.created_at,
        })),
        more: rows.length > limit,
      };
    },

    async ack(device, upTo) {
      return db.transaction().execute(async (trx) => {
        const gone = await trx
          .deleteFrom('deliveries')
          .where('account_id', '=', device.accountId)
          .where('device_id', '=', device.deviceId)
          .where('seq', '<=', upTo)
          .returning('envelope_id')
          .execute();
        if (gone.length === 0) return 0;
        const ids = [...new Set(gone.map((row) => row.envelope_id))];
        for (let i = 0; i < ids.length; i += 500) {
          await trx
            .deleteFrom('envelopes')
            .where('id', 'in', ids.slice(i, i + 500))
            .where((eb) =>
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('deliveries')
                    .select('deliveries.seq')
                    .whereRef('deliveries.envelope_id', '=', 'envelopes.id'),
                ),
              ),
            )
            .execute();
        }
        return gone.length;
      });
    },

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
        const orphaned = await trx
          .deleteFrom('envelopes')
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('deliveries')
                  .select('deliveries.seq')
                  .whereRef('deliveries.envelope_id', '=', 'envelopes.id'),
              ),
            ),
          )
          .executeTakeFirst();
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
