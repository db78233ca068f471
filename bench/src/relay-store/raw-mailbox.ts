// The physical limit for the relay's mailbox writes: the same SQL the repository layer sends
// (idempotency check, recipient lookup, submission + envelope + head + delivery inserts in one
// transaction; the ack's delivery and body deletes in another), as better-sqlite3 statements
// prepared once, on ready-made buffers: no query builder, no base64, no hashing, no promises.

import type { MailboxFixture } from './mailbox-fixture';

export interface RawSubmission {
  readonly clientIdHash: Buffer;
  readonly body: Buffer;
  readonly username: string;
}

export interface RawMailbox {
  /** One submission in its own transaction; returns the delivery's sequence number. */
  submit(submission: RawSubmission): number;
  /** Several submissions in one transaction (group commit at its cheapest). */
  submitMany(submissions: readonly RawSubmission[]): void;
  ack(accountId: number, upTo: number): number;
}

export function rawMailbox(fixture: MailboxFixture, ttlMs: number): RawMailbox {
  const sqlite = fixture.opened.sqlite;
  const known = sqlite.prepare('select client_id_hash from submissions where client_id_hash = ?');
  const recipients = sqlite.prepare(
    `select accounts.username, accounts.id, devices.device_id from accounts
     inner join devices on devices.account_id = accounts.id
     where accounts.username in (?) and accounts.status = 'active'`,
  );
  const insertSubmission = sqlite.prepare(
    'insert into submissions (client_id_hash, digest, deliveries, expires_at) values (?, ?, ?, ?)',
  );
  const insertEnvelope = sqlite.prepare(
    'insert into envelopes (client_id_hash, body, created_at, expires_at) values (?, ?, ?, ?) returning id',
  );
  const bumpHead = sqlite.prepare(
    `insert into mailbox_heads (account_id, device_id, next_seq) values (?, ?, 2)
     on conflict (account_id, device_id) do update set next_seq = mailbox_heads.next_seq + 1
     returning next_seq`,
  );
  const insertDelivery = sqlite.prepare(
    'insert into deliveries (account_id, device_id, seq, envelope_id, key_record) values (?, ?, ?, ?, ?)',
  );
  const deleteDeliveries = sqlite.prepare(
    'delete from deliveries where account_id = ? and device_id = ? and seq <= ? returning envelope_id',
  );
  const deleteBody = sqlite.prepare(
    `delete from envelopes where id = ?
     and not exists (select seq from deliveries where deliveries.envelope_id = envelopes.id)`,
  );

  const write = (submission: RawSubmission): number => {
    const now = Date.now();
    const expiresAt = now + ttlMs;
    if (known.get(submission.clientIdHash) !== undefined) throw new Error('duplicate');
    const device = recipients.get(submission.username) as { id: number; device_id: number };
    insertSubmission.run(submission.clientIdHash, submission.clientIdHash, 1, expiresAt);
    const { id } = insertEnvelope.get(submission.clientIdHash, submission.body, now, expiresAt) as {
      id: number;
    };
    const { next_seq } = bumpHead.get(device.id, device.device_id) as { next_seq: number };
    insertDelivery.run(device.id, device.device_id, next_seq - 1, id, null);
    return next_seq - 1;
  };
  const one = sqlite.transaction(write);
  const many = sqlite.transaction((submissions: readonly RawSubmission[]) => {
    for (const submission of submissions) write(submission);
  });
  const ack = sqlite.transaction((accountId: number, upTo: number): number => {
    const gone = deleteDeliveries.all(accountId, 1, upTo) as { envelope_id: number }[];
    for (const id of new Set(gone.map((row) => row.envelope_id))) deleteBody.run(id);
    return gone.length;
  });
  return {
    submit: (submission) => one(submission),
    submitMany: (submissions) => {
      many(submissions);
    },
    ack: (accountId, upTo) => ack(accountId, upTo),
  };
}
