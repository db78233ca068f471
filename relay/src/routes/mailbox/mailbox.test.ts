// The mailbox over HTTP against a listening relay and a real SQLite file: committed before the
// sender hears "stored", idempotent by client id, one body for many recipients, per-device
// sequences, cumulative acks that delete, expiry, and refusal of unknown devices.
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { DATABASE_FILE } from '../../db/open-database';
import { MAILBOX_LIMITS, type MailboxPage, type SubmitReply } from '@veil/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registeredDevice, type TestDevice } from '../../keys/test-support/device-client';
import {
  newClientId,
  randomBody,
  send,
  submit,
  submitBody,
} from '../../mailbox/test-support/envelopes';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

let relay: TestRelay;
let alice: TestDevice;
let bob: TestDevice;
let carol: TestDevice;

beforeEach(async () => {
  relay = await startRelay();
  alice = await registeredDevice(relay, 'alice', { oneTimeCount: 0 });
  bob = await registeredDevice(relay, 'bob', { oneTimeCount: 0 });
  carol = await registeredDevice(relay, 'carol', { oneTimeCount: 0 });
});
afterEach(async () => {
  await relay.stop();
});

/** A second, independent connection to the relay's database file: it sees only committed rows. */
function countRows(table: string): number {
  const db = new Sqlite(join(relay.dataDir, DATABASE_FILE), { readonly: true });
  try {
    return (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A second, writing connection to the relay's database file (WAL: the relay's stays open). */
function withDatabase(write: (db: Sqlite.Database) => void): void {
  const db = new Sqlite(join(relay.dataDir, DATABASE_FILE));
  try {
    write(db);
  } finally {
    db.close();
  }
}

const read = (device: TestDevice, after = 0) =>
  device.client.call<MailboxPage>('GET', `/api/v1/mailbox?after=${after}`);

describe('submitting envelopes', () => {
  it('has committed the envelope by the time the sender hears it is stored', async () => {
    const answer = await submit(alice.client, submitBody([{ username: 'bob', deviceId: 1 }]));
    expect(answer.status).toBe(200);
    // With Bob's device-list counter, so a sender holding an older list of his fetches it again.
    expect(answer.body).toEqual({
      duplicate: false,
      deliveries: 1,
      lists: [{ username: 'bob', counter: 1 }],
    });
    expect(countRows('envelopes')).toBe(1);
    expect(countRows('deliveries')).toBe(1);
  });

  it('stores a retried submission once, even when the retries race', async () => {
    const body = submitBody([{ username: 'bob', deviceId: 1 }]);
    const answers = await Promise.all(Array.from({ length: 6 }, () => submit(alice.client, body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1);
    expect(countRows('envelopes')).toBe(1);

    // Still a duplicate after bob acknowledged (and the relay deleted) the envelope.
    const page = await read(bob);
    await bob.client.call('POST', '/api/v1/mailbox/ack', { upTo: page.body.envelopes[0]!.seq });
    expect(countRows('envelopes')).toBe(0);
    const late = await submit(alice.client, body);
    expect(late.body.duplicate).toBe(true);
    expect(countRows('envelopes')).toBe(0);

    // The same client id with other content is refused, not silently dropped.
    const reused = await submit(alice.client, {
      ...body,
      envelopes: [{ ...body.envelopes[0]!, body: randomBody() }],
    });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('RELAY_ERR_CLIENT_ID_REUSED');
  });

  it('stores one body for many recipients, each with its own key record and sequence', async () => {
    const keyRecord = (n: number) => Buffer.alloc(48, n).toString('base64url');
    await send(alice.client, [{ username: 'carol', deviceId: 1 }]);
    const answer = await submit(alice.client, {
      clientId: newClientId(),
      envelopes: [
        {
          body: randomBody(4096),
          to: [
            { username: 'bob', deviceId: 1, keyRecord: keyRecord(1) },
            { username: 'carol', deviceId: 1, keyRecord: keyRecord(2) },
          ],
        },
      ],
    });
    expect(answer.body.deliveries).toBe(2);
    expect(countRows('envelopes')).toBe(2);
    const bobPage = await read(bob);
    const carolPage = await read(carol);
    expect(bobPage.body.envelopes.map((e) => [e.seq, e.keyRecord])).toEqual([[1, keyRecord(1)]]);
    expect(carolPage.body.envelopes.map((e) => [e.seq, e.keyRecord])).toEqual([
      [1, undefined],
      [2, keyRecord(2)],
    ]);
    expect(bobPage.body.envelopes[0]!.body).toBe(carolPage.body.envelopes[1]!.body);

    // The body stays until the last recipient acknowledged it.
    await bob.client.call('POST', '/api/v1/mailbox/ack', { upTo: 1 });
    expect(countRows('envelopes')).toBe(2);
    await carol.client.call('POST', '/api/v1/mailbox/ack', { upTo: 2 });
    expect(countRows('envelopes')).toBe(0);
  });

  it('names only lists changed lately when a submission names many accounts', async () => {
    // Fifteen more accounts with one device and a list each, written straight into the file (a
    // second connection): sign-up's rate limit would take a minute per ten accounts.
    const members = Array.from({ length: 15 }, (_, i) => `member${i}`);
    const old = Date.now() - MAILBOX_LIMITS.listRecentMs - 1000;
    withDatabase((db) => {
      const account = db.prepare<[string, number], { id: number }>(
        'INSERT INTO accounts (username, created_at) VALUES (?, ?) RETURNING id',
      );
      const device = db.prepare(
        `INSERT INTO devices (account_id, device_id, identity_key, signing_key, certificate,
           created_at) VALUES (?, 1, ?, ?, ?, ?)`,
      );
      const list = db.prepare(
        'INSERT INTO device_lists (account_id, counter, list, updated_at) VALUES (?, 1, ?, ?)',
      );
      for (const username of members) {
        const { id } = account.get(username, old)!;
        device.run(id, Buffer.alloc(32, 1), Buffer.alloc(32, 2), Buffer.alloc(96, 3), old);
        list.run(id, Buffer.alloc(64, 4), old);
      }
    });
    const to = ['bob', 'carol', ...members].map((username) => ({ username, deviceId: 1 }));
    // Seventeen accounts: only the lists changed in the last ten minutes (Bob's and Carol's,
    // uploaded at sign-up), newest first.
    const many = await submit(alice.client, submitBody(to));
    expect(many.body.lists).toEqual([
      { username: 'carol', counter: 1 },
      { username: 'bob', counter: 1 },
    ]);
    // When more than sixteen changed lately, the sixteen newest.
    withDatabase((db) => db.prepare('UPDATE device_lists SET updated_at = ?').run(Date.now()));
    expect((await submit(alice.client, submitBody(to))).body.lists).toHaveLength(16);
    // A small fan-out names every account, however old its list.
    withDatabase((db) => db.prepare('UPDATE device_lists SET updated_at = ?').run(old));
    const small = await submit(alice.client, submitBody(to.slice(1, 3)));
    expect(small.body.lists).toEqual([
      { username: 'carol', counter: 1 },
      { username: 'member0', counter: 1 },
    ]);
  });

  it('refuses the whole submission when a recipient device does not exist', async () => {
    const answer = await submit(
      alice.client,
      submitBody([
        { username: 'bob', deviceId: 1 },
        { username: 'bob', deviceId: 7 },
        { username: 'nobody', deviceId: 1 },
      ]),
    );
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      code: 'RELAY_ERR_UNKNOWN_DEVICES',
      unknown: [
        { username: 'bob', deviceId: 7 },
        { username: 'nobody', deviceId: 1 },
      ],
    });
    expect(countRows('envelopes')).toBe(0);
    expect(countRows('submissions')).toBe(0);
  });

  it('refuses malformed and oversized submissions with a 4xx, and keeps serving', async () => {
    const cases: [unknown, number][] = [
      [{}, 400],
      [{ clientId: 'short', envelopes: [] }, 400],
      [
        {
          clientId: newClientId(),
          envelopes: [{ body: '***', to: [{ username: 'bob', deviceId: 1 }] }],
        },
        400,
      ],
      [{ ...submitBody([{ username: 'bob', deviceId: 0 }]) }, 400],
      [{ ...submitBody([{ username: 'bob', deviceId: 1 }]), extra: true }, 400],
      [submitBody([{ username: 'bob', deviceId: 1 }], randomBody(600 * 1024)), 400],
    ];
    for (const [body, status] of cases) {
      const answer = await alice.client.call('POST', '/api/v1/messages', body);
      expect(answer.status).toBe(status);
    }
    const huge = await fetch(`${relay.baseUrl}/api/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: alice.client.cookie!,
        origin: relay.origin,
      },
      body: JSON.stringify({ junk: 'x'.repeat(13 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(countRows('envelopes')).toBe(0);
    const after = await submit(alice.client, submitBody([{ username: 'bob', deviceId: 1 }]));
    expect(after.status).toBe(200);
  });
});

describe('reading and acknowledging', () => {
  it('pages a device mailbox in sequence order and deletes what was acknowledged', async () => {
    for (let i = 0; i < 5; i++) await send(alice.client, [{ username: 'bob', deviceId: 1 }]);
    const first = await bob.client.call<MailboxPage>('GET', '/api/v1/mailbox?after=0&limit=3');
    expect(first.body.envelopes.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(first.body.more).toBe(true);
    const second = await read(bob, 3);
    expect(second.body.envelopes.map((e) => e.seq)).toEqual([4, 5]);
    expect(second.body.more).toBe(false);

    const acked = await bob.client.call<{ deleted: number }>('POST', '/api/v1/mailbox/ack', {
      upTo: 3,
    });
    expect(acked.body.deleted).toBe(3);
    expect((await read(bob)).body.envelopes.map((e) => e.seq)).toEqual([4, 5]);
    // Sequences keep rising after deletions.
    await send(alice.client, [{ username: 'bob', deviceId: 1 }]);
    expect((await read(bob, 5)).body.envelopes.map((e) => e.seq)).toEqual([6]);
    // Alice's mailbox is her own.
    expect((await read(alice)).body.envelopes).toEqual([]);
  });

  it('expires unacknowledged envelopes after the TTL', async () => {
    await send(alice.client, [{ username: 'bob', deviceId: 1 }]);
    const future = Date.now() + relay.config.envelopeTtlMs + 1;
    const swept = await relay.app.mailbox.sweep(future);
    expect(swept.envelopes).toBe(1);
    expect(countRows('deliveries')).toBe(0);
    expect((await read(bob)).body.envelopes).toEqual([]);
  });

  it('needs a device-bound session to read a mailbox', async () => {
    const { AuthClient } = await import('../../auth/test-support/auth-client');
    const unbound = new AuthClient(relay);
    await unbound.login('bob', 'pw of bob');
    expect((await read({ ...bob, client: unbound })).body.code).toBe('RELAY_ERR_DEVICE_NOT_BOUND');
    const answer: { status: number; body: Partial<SubmitReply> } = await submit(
      unbound,
      submitBody([{ username: 'alice', deviceId: 1 }]),
    );
    expect(answer.status).toBe(200);
  });
});
