// Writes one submission inside its batch's transaction (batch-transaction.ts): first the checks
// (idempotency, recipients), then the submission, its bodies, each device's head and the
// deliveries. Fixed SQL, prepared once, run synchronously: on this path, building and compiling
// queries through Kysely and awaiting each statement cost several times what SQLite spent running
// them (bench: relay-store), and a batch that never yields holds the write lock for the least time.
// This and the directory-version triggers (migration 0004, read by recipients.ts) are the
// mailbox's SQLite-specific parts; a Postgres port would give them their own writer and triggers.
import type { DeviceListCounter } from '@veil/wire';
import type SQLite from 'better-sqlite3';
import { withStatementCache } from '../db/statement-cache';
import { RelayClientIdReusedError } from '../errors';
import type { DeviceAddress } from '../keys/prekey-store';
import type { ItemWriter } from './batch-transaction';
import { recipientResolver } from './recipients';

export interface PreparedSubmission {
  readonly clientIdHash: Buffer;
  readonly digest: Buffer;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly envelopes: readonly {
    readonly clientIdHash: Buffer;
    readonly body: Buffer;
    readonly to: readonly { username: string; deviceId: number; keyRecord: Buffer | null }[];
  }[];
}

/** One delivery the transaction created: which device, its sequence, and what it carries. */
export interface Assigned {
  readonly device: DeviceAddress;
  readonly seq: number;
  /** Index of the body in the submission's `envelopes`. */
  readonly envelope: number;
  readonly keyRecord: Buffer | null;
}

export type WriteOutcome =
  | {
      readonly kind: 'stored';
      readonly assigned: readonly Assigned[];
      /**
       * The named accounts' device-list counters (recipients.ts, listCounters), handed to the
       * reply as they are: a fresh array per submission, so not readonly.
       */
      readonly lists: DeviceListCounter[] | undefined;
    }
  /**
   * Stored before under this client id with the same content (a retry, or the same id earlier in
   * this batch): answered, not stored again, and only once the batch holding it committed.
   */
  | { readonly kind: 'duplicate'; readonly deliveries: number };

const KNOWN = 'SELECT digest, deliveries FROM submissions WHERE client_id_hash = ?';
const INSERT_SUBMISSION = `INSERT INTO submissions (client_id_hash, digest, deliveries, expires_at)
  VALUES (?, ?, ?, ?)`;
const INSERT_ENVELOPE = `INSERT INTO envelopes (client_id_hash, body, created_at, expires_at)
  VALUES (?, ?, ?, ?)`;
// The head holds the next sequence to assign; the first delivery to a device gets 1. Both per-device
// statements take up to ROWS_PER_STATEMENT devices at once: a fan-out to a thousand devices is
// 10 + 10 statements instead of 1,000 + 1,000, and crossing from JavaScript into SQLite once per
// row was most of the commit's CPU (alone on a real SQLite file: 4.8 → 2.8 ms per 1,000 devices).
const ROWS_PER_STATEMENT = 100;
// Each distinct device of an envelope once, its head advanced by the deliveries it gets there
// (a device named twice gets two); RETURNING gives the head after, so its sequences are the
// `count` numbers below it.
const advanceHeadsSql = (rows: number) =>
  `INSERT INTO mailbox_heads (account_id, device_id, next_seq)
  VALUES ${Array<string>(rows).fill('(?, ?, 1 + ?)').join(', ')}
  ON CONFLICT (account_id, device_id)
    DO UPDATE SET next_seq = mailbox_heads.next_seq + excluded.next_seq - 1
  RETURNING account_id, device_id, next_seq`;
const insertDeliverySql = (rows: number) =>
  `INSERT INTO deliveries (account_id, device_id, seq, envelope_id, key_record)
  VALUES ${Array<string>(rows).fill('(?, ?, ?, ?, ?)').join(', ')}`;

type HeadRow = { account_id: number; device_id: number; next_seq: number };

/** What `check` decided for one submission. */
type Plan =
  | { readonly kind: 'duplicate'; readonly deliveries: number }
  | {
      readonly kind: 'new';
      readonly submission: PreparedSubmission;
      readonly recipients: DeviceAddress[][];
      readonly lists: DeviceListCounter[] | undefined;
    };

/**
 * The submission writer for batch-transaction.ts, its statements prepared once. `check` refuses a
 * submission (RelayUnknownDevicesError, RelayClientIdReusedError) before anything of it is written.
 */
export function submissionWriter(
  sqlite: SQLite.Database,
): ItemWriter<PreparedSubmission, Plan, WriteOutcome> {
  const recipients = recipientResolver(sqlite);
  const known = sqlite.prepare<[Buffer], { digest: Buffer; deliveries: number }>(KNOWN);
  const insertSubmission = sqlite.prepare<[Buffer, Buffer, number, number]>(INSERT_SUBMISSION);
  const insertEnvelope = sqlite.prepare<[Buffer, Buffer, number, number]>(INSERT_ENVELOPE);
  // Multi-row statements, prepared once per row count and SQL text (db/statement-cache.ts).
  const statements = withStatementCache(sqlite, 2 * ROWS_PER_STATEMENT);
  const inChunks = <T>(rows: readonly T[], each: (chunk: readonly T[]) => void): void => {
    for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT)
      each(rows.slice(from, from + ROWS_PER_STATEMENT));
  };
  const key = (accountId: number, deviceId: number) => `${String(accountId)}/${String(deviceId)}`;

  /** The sequence each of `devices` (one envelope's recipients, in order) gets. */
  const assignSeqs = (devices: readonly DeviceAddress[]): number[] => {
    const keys = devices.map((device) => key(device.accountId, device.deviceId));
    const counts = new Map<string, { device: DeviceAddress; count: number; next: number }>();
    devices.forEach((device, i) => {
      const entry = counts.get(keys[i]!);
      if (entry === undefined) counts.set(keys[i]!, { device, count: 1, next: 0 });
      else entry.count += 1;
    });
    inChunks([...counts.values()], (chunk) => {
      const params = chunk.flatMap(({ device, count }) => [
        device.accountId,
        device.deviceId,
        count,
      ]);
      const heads = statements.prepare(advanceHeadsSql(chunk.length)).all(params) as HeadRow[];
      for (const head of heads) {
        const entry = counts.get(key(head.account_id, head.device_id))!;
        entry.next = head.next_seq - entry.count;
      }
    });
    return keys.map((each) => counts.get(each)!.next++);
  };

  const insertRows = (rows: readonly (number | Buffer | null)[][]): void => {
    inChunks(rows, (chunk) => {
      statements.prepare(insertDeliverySql(chunk.length)).run(chunk.flat());
    });
  };

  return {
    begin: recipients.begin,
    check: (submission) => {
      const stored = known.get(submission.clientIdHash);
      if (stored !== undefined) {
        if (!submission.digest.equals(stored.digest)) throw new RelayClientIdReusedError();
        return { kind: 'duplicate', deliveries: stored.deliveries };
      }
      return {
        kind: 'new',
        submission,
        recipients: recipients.resolve(submission.envelopes),
        lists: recipients.listCounters(submission.envelopes, Date.now()),
      };
    },
    write: (plan) => {
      if (plan.kind === 'duplicate') return plan;
      const { submission, recipients: devices, lists } = plan;
      insertSubmission.run(
        submission.clientIdHash,
        submission.digest,
        devices.reduce((sum, envelope) => sum + envelope.length, 0),
        submission.expiresAt,
      );
      const assigned: Assigned[] = [];
      submission.envelopes.forEach((envelope, e) => {
        const envelopeId = Number(
          insertEnvelope.run(
            envelope.clientIdHash,
            envelope.body,
            submission.createdAt,
            submission.expiresAt,
          ).lastInsertRowid,
        );
        const recipients = devices[e]!;
        const seqs = assignSeqs(recipients);
        insertRows(
          envelope.to.map((to, r) => {
            const device = recipients[r]!;
            assigned.push({ device, seq: seqs[r]!, envelope: e, keyRecord: to.keyRecord });
            return [device.accountId, device.deviceId, seqs[r]!, envelopeId, to.keyRecord];
          }),
        );
      });
      return { kind: 'stored', assigned, lists };
    },
  };
}
