import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/open-database';
import { lastSeenWriter } from './last-seen';

const MINUTE = 60_000;
let dir: string;
let opened: OpenedDatabase;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-last-seen-'));
  opened = await openDatabase(dir);
});
afterEach(async () => {
  await opened.close();
  await rm(dir, { recursive: true, force: true });
});

/** Account `name` with devices 1..count, their "last seen" as given (null: never). */
async function account(name: string, lastSeen: (number | null)[]): Promise<number> {
  const { id } = await opened.db
    .insertInto('accounts')
    .values({ username: name, created_at: 1 })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [i, seen] of lastSeen.entries()) {
    await opened.db
      .insertInto('devices')
      .values({
        account_id: id,
        device_id: i + 1,
        identity_key: Buffer.alloc(32, 1),
        signing_key: Buffer.alloc(32, 2),
        certificate: Buffer.alloc(96, 3),
        created_at: 1,
        last_seen_at: seen,
      })
      .execute();
  }
  return id;
}

const lastSeenOf = async (accountId: number) =>
  (
    await opened.db
      .selectFrom('devices')
      .select('last_seen_at')
      .where('account_id', '=', accountId)
      .orderBy('device_id')
      .execute()
  ).map((row) => row.last_seen_at);

describe('lastSeenWriter', () => {
  it('moves every device seen in one turn with one statement, but not a time under a minute old', async () => {
    const now = Date.now();
    const alice = await account('alice', [null, now - 2 * MINUTE, now - 1000]);
    const bob = await account('bob', [null]);
    const carol = await account('carol', [null]);
    const seen = lastSeenWriter(opened.db, MINUTE);
    const calls = [1, 2, 3].map((deviceId) => seen({ accountId: alice, deviceId }));
    calls.push(seen({ accountId: bob, deviceId: 1 }), seen({ accountId: bob, deviceId: 1 }));
    // One batch: every caller waits for the same write.
    expect(new Set(calls).size).toBe(1);
    await Promise.all(calls);
    const [fresh, old, recent] = await lastSeenOf(alice);
    expect(fresh).toBeGreaterThanOrEqual(now);
    expect(old).toBeGreaterThanOrEqual(now);
    expect(recent).toBe(now - 1000);
    expect((await lastSeenOf(bob))[0]).toBeGreaterThanOrEqual(now);
    expect(await lastSeenOf(carol)).toEqual([null]);
  });

  it('starts a new batch once the previous one was written', async () => {
    const dave = await account('dave', [null, null]);
    const seen = lastSeenWriter(opened.db, MINUTE);
    const first = seen({ accountId: dave, deviceId: 1 });
    await first;
    const second = seen({ accountId: dave, deviceId: 2 });
    expect(second).not.toBe(first);
    await second;
    expect((await lastSeenOf(dave)).every((at) => at !== null)).toBe(true);
  });
});
