// Group commit, driven directly on a real SQLite file: submissions that arrive together share a
// transaction, yet each sender hears only about its own submission, only after it committed, and
// one bad submission in a batch does not take the others down with it. Acks share commits the same
// way, and what a commit publishes to sockets is exactly what a read returns.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailboxEnvelope, SubmitBody } from '@veil/wire';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openDatabase, type OpenedDatabase } from '../db/open-database';
import { RelayClientIdReusedError } from '../errors';
import type { DeviceAddress } from '../keys/prekey-store';
import { createMailbox, type MailboxService } from './create-mailbox';
import { RelayUnknownDevicesError } from './recipients';

let dir: string;
let opened: OpenedDatabase;
let mailbox: MailboxService;
let commits: number;
/** The connection's `synchronous` setting (2 FULL: fsync'd, 1 NORMAL: not) at each commit. */
let syncModes: number[];
let published: { device: DeviceAddress; envelopes: readonly MailboxEnvelope[] }[];
const ids = new Map<string, number>();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-mailbox-'));
  opened = await openDatabase(dir);
  for (const username of ['alice', 'bob']) {
    const { id } = await opened.db
      .insertInto('accounts')
      .values({ username, created_at: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.set(username, id);
    for (const deviceId of [1, 2]) {
      await opened.db
        .insertInto('devices')
        .values({
          account_id: id,
          device_id: deviceId,
          identity_key: new Uint8Array(32),
          signing_key: new Uint8Array(32),
          certificate: new Uint8Array(64),
          created_at: 1,
        })
        .execute();
    }
  }
  // The mailbox writes through a handle that counts its transactions (each one is one fsync'd
  // commit): batch-transaction.ts begins every batch with `.immediate`.
  commits = 0;
  syncModes = [];
  const sqlite = opened.sqlite;
  const counting = new Proxy(sqlite, {
    get(target, key) {
      if (key === 'transaction') {
        return (fn: (...args: never[]) => unknown) => {
          const transaction = target.transaction(fn);
          return Object.assign((...args: never[]) => transaction(...args), {
            immediate: (...args: never[]) => {
              commits++;
              syncModes.push(target.pragma('synchronous', { simple: true }) as number);
              return transaction.immediate(...args);
            },
          });
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  published = [];
  mailbox = await createMailbox(
    { db: opened.db, sqlite: counting },
    {
      envelopeTtlMs: 60_000,
      publish: (device, envelopes) => published.push({ device, envelopes }),
    },
  );
});

afterEach(async () => {
  await opened.close();
  await rm(dir, { recursive: true, force: true });
});

function submission(
  to: { username: string; deviceId: number }[],
  body = randomBytes(64),
): SubmitBody {
  return {
    clientId: randomBytes(16).toString('base64url'),
    envelopes: [{ body: body.toString('base64url'), to }],
  };
}

async function storedCount(): Promise<number> {
  const row = await opened.db
    .selectFrom('submissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return row.n;
}

describe('group commit', () => {
  it('answers each of many concurrent senders after a commit that holds its submission', async () => {
    commits = 0;
    const bodies = Array.from({ length: 40 }, () => submission([{ username: 'bob', deviceId: 1 }]));
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const reply = await mailbox.submit(body);
        // Whoever is answered finds its submission already stored.
        const stored = await opened.db.selectFrom('submissions').select('deliveries').execute();
        return { reply, storedWhenAnswered: stored.length };
      }),
    );
    for (const { reply, storedWhenAnswered } of answers) {
      expect(reply).toEqual({ duplicate: false, deliveries: 1 });
      expect(storedWhenAnswered).toBeGreaterThan(0);
    }
    expect(await storedCount()).toBe(40);
    // They arrived in the same event-loop turn, so one transaction holds them all.
    expect(commits).toBe(1);
    const page = await mailbox.read({ accountId: ids.get('bob')!, deviceId: 1 }, 0, 100);
    expect(page.envelopes.map((envelope) => envelope.seq)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it('gives each device consecutive sequences across a batch of multi-recipient envelopes', async () => {
    const everyone = [
      { username: 'alice', deviceId: 2 },
      { username: 'bob', deviceId: 1 },
      { username: 'bob', deviceId: 2 },
    ];
    await Promise.all(Array.from({ length: 10 }, () => mailbox.submit(submission(everyone))));
    for (const [username, deviceId] of [
      ['alice', 2],
      ['bob', 1],
      ['bob', 2],
    ] as const) {
      const device = { accountId: ids.get(username)!, deviceId };
      const page = await mailbox.read(device, 0, 100);
      expect(page.envelopes.map((envelope) => envelope.seq)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
      expect(await mailbox.head(device)).toBe(10);
    }
  });

  it('writes a fan-out larger than one statement, a device named twice getting two sequences in order', async () => {
    const bob = ids.get('bob')!;
    await opened.db
      .insertInto('devices')
      .values(
        Array.from({ length: 248 }, (_, i) => ({
          account_id: bob,
          device_id: i + 3,
          identity_key: new Uint8Array(32),
          signing_key: new Uint8Array(32),
          certificate: new Uint8Array(64),
          created_at: 1,
        })),
      )
      .execute();
    await mailbox.submit(submission([{ username: 'bob', deviceId: 7 }]));
    // 250 devices, three statements of up to 100 rows: device 1 twice within the first, device 2
    // once in the first and once in the third, device 7 already holding one delivery.
    const to = Array.from({ length: 250 }, (_, i) => ({ username: 'bob', deviceId: i + 1 }));
    to.splice(5, 0, { username: 'bob', deviceId: 1 });
    to.splice(230, 0, { username: 'bob', deviceId: 2 });
    const reply = await mailbox.submit(submission(to));
    expect(reply).toEqual({ duplicate: false, deliveries: 252 });
    const seqsOf = async (deviceId: number) =>
      (await mailbox.read({ accountId: bob, deviceId }, 0, 100)).envelopes.map((e) => e.seq);
    expect(await seqsOf(1)).toEqual([1, 2]);
    expect(await seqsOf(2)).toEqual([1, 2]);
    expect(await seqsOf(7)).toEqual([1, 2]);
    for (const deviceId of [3, 100, 101, 201, 250]) expect(await seqsOf(deviceId)).toEqual([1]);
    // What the commit published matches what was stored, device by device.
    const toDevice1 = published.filter(
      (p) => p.device.accountId === bob && p.device.deviceId === 1,
    );
    expect(toDevice1.flatMap((p) => p.envelopes.map((e) => e.seq))).toEqual([1, 2]);
  });

  it('refuses only the submission that names an unknown device', async () => {
    const good = Array.from({ length: 5 }, () => submission([{ username: 'bob', deviceId: 1 }]));
    const bad = submission([{ username: 'bob', deviceId: 9 }]);
    const results = await Promise.allSettled([...good, bad].map((body) => mailbox.submit(body)));
    expect(results.slice(0, 5).every((result) => result.status === 'fulfilled')).toBe(true);
    const refused = results[5]!;
    expect(refused.status).toBe('rejected');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(RelayUnknownDevicesError);
    expect(await storedCount()).toBe(5);
  });

  it('sees a device added or removed and an account disabled since it last looked, whoever wrote it', async () => {
    const toBob3 = () => mailbox.submit(submission([{ username: 'bob', deviceId: 3 }]));
    await expect(toBob3()).rejects.toBeInstanceOf(RelayUnknownDevicesError);
    // Another process on the same file, as `veil-relay` would be: no in-process hook sees it.
    const other = new SQLite(join(dir, DATABASE_FILE));
    try {
      other
        .prepare(
          `INSERT INTO devices (account_id, device_id, identity_key, signing_key, certificate,
            created_at) VALUES (?, 3, zeroblob(32), zeroblob(32), zeroblob(64), 1)`,
        )
        .run(ids.get('bob')!);
      expect((await toBob3()).deliveries).toBe(1);
      other
        .prepare('DELETE FROM devices WHERE account_id = ? AND device_id = 3')
        .run(ids.get('bob')!);
      await expect(toBob3()).rejects.toBeInstanceOf(RelayUnknownDevicesError);
    } finally {
      other.close();
    }
    const toBob1 = () => mailbox.submit(submission([{ username: 'bob', deviceId: 1 }]));
    await toBob1();
    await opened.db
      .updateTable('accounts')
      .set({ status: 'disabled' })
      .where('username', '=', 'bob')
      .execute();
    await expect(toBob1()).rejects.toBeInstanceOf(RelayUnknownDevicesError);
  });

  it('stores a client id once when it comes twice in one batch', async () => {
    const body = submission([{ username: 'bob', deviceId: 1 }]);
    const reused = { ...body, envelopes: submission([{ username: 'bob', deviceId: 1 }]).envelopes };
    const results = await Promise.allSettled([
      mailbox.submit(body),
      mailbox.submit(body),
      mailbox.submit(reused),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: { duplicate: false, deliveries: 1 } });
    expect(results[1]).toEqual({ status: 'fulfilled', value: { duplicate: true, deliveries: 1 } });
    expect(results[2].status).toBe('rejected');
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(RelayClientIdReusedError);
    expect(await storedCount()).toBe(1);
    const page = await mailbox.read({ accountId: ids.get('bob')!, deviceId: 1 }, 0, 100);
    expect(page.envelopes).toHaveLength(1);
  });
});

describe('batch failures and Kysely transactions', () => {
  it('refuses only the submission whose write failed the batch, and writes the others again together', async () => {
    // A write error SQLite raises mid-batch for one submission (a constraint, standing in for
    // anything one item's write can hit): the batch rolls back as a whole, that submission is
    // refused, and the others are written again as one batch.
    opened.sqlite.exec(`CREATE TRIGGER refuse_13 BEFORE INSERT ON envelopes
      WHEN length(NEW.body) = 13 BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`);
    const good = Array.from({ length: 3 }, () => submission([{ username: 'bob', deviceId: 1 }]));
    const bad = submission([{ username: 'bob', deviceId: 1 }], randomBytes(13));
    commits = 0;
    const results = await Promise.allSettled(
      [good[0]!, bad, good[1]!, good[2]!].map((body) => mailbox.submit(body)),
    );
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/refused by test trigger/);
    // The failed batch, then one for the other three.
    expect(commits).toBe(2);
    expect(await storedCount()).toBe(3);
    const page = await mailbox.read({ accountId: ids.get('bob')!, deviceId: 1 }, 0, 100);
    expect(page.envelopes.map((envelope) => envelope.seq)).toEqual([1, 2, 3]);
  });

  it('never writes into a Kysely transaction that is waiting between its statements', async () => {
    const body = submission([{ username: 'bob', deviceId: 1 }]);
    let submitted: Promise<unknown> | undefined;
    await expect(
      opened.db.transaction().execute(async (trx) => {
        await trx.insertInto('accounts').values({ username: 'carol', created_at: 1 }).execute();
        // The submission arrives while this transaction holds the connection and then rolls back.
        submitted = mailbox.submit(body);
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await expect(submitted).resolves.toEqual({ duplicate: false, deliveries: 1 });
    expect(await storedCount()).toBe(1);
    const carol = await opened.db
      .selectFrom('accounts')
      .where('username', '=', 'carol')
      .select('id')
      .execute();
    expect(carol).toEqual([]);
  });
});

describe('acks and what a commit publishes', () => {
  const everyone = [
    { username: 'alice', deviceId: 2 },
    { username: 'bob', deviceId: 1 },
    { username: 'bob', deviceId: 2 },
  ];
  const device = (username: string, deviceId: number) => ({
    accountId: ids.get(username)!,
    deviceId,
  });
  const bodies = async () =>
    (
      await opened.db
        .selectFrom('envelopes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;

  it('publishes to each recipient device exactly what a read of its mailbox returns', async () => {
    await mailbox.submit(submission(everyone));
    await mailbox.submit(submission([{ username: 'bob', deviceId: 1 }]));
    expect(published).toHaveLength(4);
    for (const { device: address, envelopes } of published) {
      const page = await mailbox.read(address, envelopes[0]!.seq - 1, 100);
      expect(page.envelopes.slice(0, envelopes.length)).toEqual(envelopes);
    }
  });

  it('commits acks that arrive together once, and drops a body only after its last device', async () => {
    await mailbox.submit(submission(everyone));
    commits = 0;
    const two = await Promise.all([
      mailbox.ack(device('alice', 2), 1),
      mailbox.ack(device('bob', 1), 1),
    ]);
    expect(two).toEqual([1, 1]);
    expect(commits).toBe(1);
    expect(await bodies()).toBe(1);
    expect(await mailbox.ack(device('bob', 2), 1)).toBe(1);
    expect(await bodies()).toBe(0);
    // An ack for nothing deletes nothing and still answers.
    expect(await mailbox.ack(device('bob', 2), 1)).toBe(0);
  });

  it('commits a whole wave of acks at once without an fsync, and submissions still with one', async () => {
    for (let i = 0; i < 3; i++) await mailbox.submit(submission(everyone));
    commits = 0;
    syncModes = [];
    // More acks than a submission batch holds (256): a large group's wave comes back together.
    const addresses = [device('alice', 2), device('bob', 1), device('bob', 2)];
    const wave = Array.from({ length: 300 }, (_, i) =>
      mailbox.ack(addresses[i % 3]!, 1 + Math.floor(i / 100)),
    );
    expect((await Promise.all(wave)).reduce((sum, gone) => sum + gone, 0)).toBe(9);
    expect(commits).toBe(1);
    expect(await bodies()).toBe(0);
    await mailbox.submit(submission(everyone));
    // The ack's commit skipped its fsync; the submission's did not, and the setting is back.
    expect(syncModes).toEqual([1, 2]);
    expect(opened.sqlite.pragma('synchronous', { simple: true })).toBe(2);
  });
});
