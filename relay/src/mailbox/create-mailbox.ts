// The mailbox repository: submissions (one stored body per distinct envelope, one delivery row per
// recipient device, idempotent by client id), per-device reads in sequence order, cumulative acks
// that delete, and a sweep for what expired. A submission is acknowledged only
// after its transaction committed (SQLite in WAL mode with synchronous=FULL: durable on COMMIT), and
// only then are the recipients' sockets told. No row records the sender.
import { createHash } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '@veil/protocol';
import { MAILBOX_LIMITS, type MailboxPage, type SubmitBody, type SubmitReply } from '@veil/wire';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { RelayClientIdReusedError } from '../errors';
import type { DeviceAddress } from '../keys/prekey-store';
import { resolveRecipients } from './recipients';

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

  const service: MailboxService = {
    async submit(body) {
      const clientId = fromBase64Url(body.clientId);
      const clientIdHash = sha256(clientId);
      const digest = submissionDigest(body);
      const known = await db
        .selectFrom('submissions')
        .select('client_id_hash')
        .where('client_id_hash', '=', clientIdHash)
        .executeTakeFirst();
      if (known !== undefined) return duplicateOf(clientIdHash, digest);

      const recipients = await resolveRecipients(db, body.envelopes);
      const now = Date.now();
      const expiresAt = now + options.envelopeTtlMs;
      let assigned: { device: DeviceAddress; seq: number }[];
      try {
        assigned = await db.transaction().execute(async (trx) => {
          const out: { device: DeviceAddress; seq: number }[] = [];
          const total = recipients.reduce((sum, envelope) => sum + envelope.length, 0);
          await trx
            .insertInto('submissions')
            .values({
              client_id_hash: clientIdHash,
              digest,
              deliveries: total,
              expires_at: expiresAt,
            })
            .execute();
          for (const [index, envelope] of body.envelopes.entries()) {
            const index32 = Buffer.alloc(4);
            index32.writeUInt32BE(index);
            const { id } = await trx
              .insertInto('envelopes')
              .values({
                client_id_hash: sha256(clientId, index32),
                body: fromBase64Url(envelope.body),
                created_at: now,
                expires_at: expiresAt,
              })
              .returning('id')
              .executeTakeFirstOrThrow();
            for (const [i, to] of envelope.to.entries()) {
              const device = recipients[index]![i]!;
              const head = await trx
                .insertInto('mailbox_heads')
                .values({ account_id: device.accountId, device_id: device.deviceId, next_seq: 2 })
                .onConflict((oc) =>
                  oc
                    .columns(['account_id', 'device_id'])
                    .doUpdateSet((eb) => ({ next_seq: eb('mailbox_heads.next_seq', '+', 1) })),
                )
                .returning('next_seq')
                .executeTakeFirstOrThrow();
              const seq = head.next_seq - 1;
              await trx
                .insertInto('deliveries')
                .values({
                  account_id: device.accountId,
                  device_id: device.deviceId,
                  seq,
                  envelope_id: id,
                  key_record: to.keyRecord === undefined ? null : fromBase64Url(to.keyRecord),
                })
                .execute();
              out.push({ device, seq });
            }
          }
          return out;
        });
      } catch (error) {
        // A concurrent retry with the same client id committed first.
        if (isUniqueViolation(error)) return duplicateOf(clientIdHash, digest);
        throw error;
      }
      // Committed: only now may anyone (the sender, the recipients' sockets) hear of it.
      options.accepted?.(body.envelopes.length);
      const highest = new Map<string, { device: DeviceAddress; seq: number }>();
      for (const entry of assigned) {
        const key = `${entry.device.accountId}:${entry.device.deviceId}`;
        const seen = highest.get(key);
        if (seen === undefined || seen.seq < entry.seq) highest.set(key, entry);
      }
      for (const { device, seq } of highest.values()) options.publish(device, seq);
      return { duplicate: false, deliveries: assigned.length };
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
