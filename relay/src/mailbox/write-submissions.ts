// Writes a batch of submissions inside one transaction with a fixed number of statements, however
// many submissions it holds: one idempotency lookup, one recipient lookup, then multi-row inserts
// of submissions, bodies, mailbox heads and deliveries. Per-statement cost (building, binding,
// stepping) was most of a submission's CPU time, and group commit only pays off if the batch is
// cheap to write. Each submission still gets its own outcome: one refused does not refuse the rest.
import type { DeviceListCounter } from '@veil/wire';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { DeviceAddress } from '../keys/prekey-store';
import { listCountersFor, lookupDevices, resolveWith } from './recipients';
import { sqlChunks } from './sql-chunks';

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
      /** The named accounts' device-list counters (listCountersFor). */
      readonly lists: readonly DeviceListCounter[] | undefined;
    }
  /** Stored by an earlier submission with this client id: answer from the submissions table. */
  | { readonly kind: 'known' }
  /** The same client id came earlier in this batch: settle it in the next one. */
  | { readonly kind: 'again' }
  | { readonly kind: 'refused'; readonly error: Error };

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const deviceKey = (device: DeviceAddress): string => `${device.accountId}:${device.deviceId}`;

export async function writeSubmissions(
  trx: Transaction<Database> | Kysely<Database>,
  batch: readonly PreparedSubmission[],
): Promise<WriteOutcome[]> {
  const stored = new Set<string>();
  for (const part of sqlChunks(batch.map((submission) => submission.clientIdHash))) {
    const rows = await trx
      .selectFrom('submissions')
      .select('client_id_hash')
      .where('client_id_hash', 'in', part)
      .execute();
    for (const row of rows) stored.add(hex(row.client_id_hash));
  }
  const known = await lookupDevices(
    trx,
    batch.flatMap((submission) =>
      submission.envelopes.flatMap((envelope) => envelope.to.map((to) => to.username)),
    ),
  );

  // Decide each submission's fate before writing anything.
  const outcomes: (WriteOutcome | DeviceAddress[][])[] = [];
  const inBatch = new Set<string>();
  for (const submission of batch) {
    const id = hex(submission.clientIdHash);
    if (stored.has(id)) outcomes.push({ kind: 'known' });
    else if (inBatch.has(id)) outcomes.push({ kind: 'again' });
    else {
      try {
        outcomes.push(resolveWith(known.devices, submission.envelopes));
        inBatch.add(id);
      } catch (error) {
        outcomes.push({ kind: 'refused', error: error as Error });
      }
    }
  }
  const accepted = batch.flatMap((submission, i) => {
    const recipients = outcomes[i];
    return Array.isArray(recipients) ? [{ submission, recipients, index: i }] : [];
  });
  if (accepted.length === 0) return outcomes as WriteOutcome[];

  for (const part of sqlChunks(accepted)) {
    await trx
      .insertInto('submissions')
      .values(
        part.map(({ submission, recipients }) => ({
          client_id_hash: submission.clientIdHash,
          digest: submission.digest,
          deliveries: recipients.reduce((sum, envelope) => sum + envelope.length, 0),
          expires_at: submission.expiresAt,
        })),
      )
      .execute();
  }

  const bodies = accepted.flatMap(({ submission }) =>
    submission.envelopes.map((envelope) => ({
      client_id_hash: envelope.clientIdHash,
      body: envelope.body,
      created_at: submission.createdAt,
      expires_at: submission.expiresAt,
    })),
  );
  // RETURNING order is not promised, so ids are matched back by the envelope's unique hash.
  const envelopeIds = new Map<string, number>();
  for (const part of sqlChunks(bodies)) {
    const rows = await trx
      .insertInto('envelopes')
      .values(part)
      .returning(['id', 'client_id_hash'])
      .execute();
    for (const row of rows) envelopeIds.set(hex(row.client_id_hash), row.id);
  }

  // Each device's head moves once per batch, by the number of deliveries it gets in it.
  const perDevice = new Map<string, { device: DeviceAddress; count: number; next: number }>();
  for (const { recipients } of accepted) {
    for (const device of recipients.flat()) {
      const entry = perDevice.get(deviceKey(device));
      if (entry === undefined) perDevice.set(deviceKey(device), { device, count: 1, next: 0 });
      else entry.count++;
    }
  }
  for (const part of sqlChunks([...perDevice.values()])) {
    const rows = await trx
      .insertInto('mailbox_heads')
      .values(
        part.map(({ device, count }) => ({
          account_id: device.accountId,
          device_id: device.deviceId,
          next_seq: 1 + count,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['account_id', 'device_id']).doUpdateSet((eb) => ({
          next_seq: eb(eb('mailbox_heads.next_seq', '+', eb.ref('excluded.next_seq')), '-', 1),
        })),
      )
      .returning(['account_id', 'device_id', 'next_seq'])
      .execute();
    for (const row of rows) {
      const entry = perDevice.get(
        deviceKey({ accountId: row.account_id, deviceId: row.device_id }),
      )!;
      entry.next = row.next_seq - entry.count;
    }
  }

  const deliveries: Database['deliveries'][] = [];
  for (const { submission, recipients, index } of accepted) {
    const assigned: Assigned[] = [];
    submission.envelopes.forEach((envelope, e) => {
      const envelopeId = envelopeIds.get(hex(envelope.clientIdHash))!;
      envelope.to.forEach((to, r) => {
        const device = recipients[e]![r]!;
        const seq = perDevice.get(deviceKey(device))!.next++;
        deliveries.push({
          account_id: device.accountId,
          device_id: device.deviceId,
          seq,
          envelope_id: envelopeId,
          key_record: to.keyRecord,
        });
        assigned.push({ device, seq, envelope: e, keyRecord: to.keyRecord });
      });
    });
    outcomes[index] = {
      kind: 'stored',
      assigned,
      lists: listCountersFor(known, submission.envelopes),
    };
  }
  for (const part of sqlChunks(deliveries))
    await trx.insertInto('deliveries').values(part).execute();
  return outcomes as WriteOutcome[];
}
