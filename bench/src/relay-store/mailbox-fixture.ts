// A relay database for the relay-store section: a real SQLite file in a fresh temp directory,
// opened by the relay's own openDatabase (its pragmas: WAL, synchronous=FULL, secure_delete, and
// its migrations), with accounts and devices to send to. Temp dirs live on the machine's disk (not
// tmpfs here), so every commit pays a real fsync.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type OpenedDatabase } from '@veil/relay/src/db/open-database';

export interface MailboxFixture {
  readonly opened: OpenedDatabase;
  /** Usernames of the seeded accounts; each has device 1. */
  readonly usernames: readonly string[];
  /** Account ids in the same order as usernames. */
  readonly accountIds: readonly number[];
  dispose(): Promise<void>;
}

export async function openMailboxFixture(options: { accounts: number }): Promise<MailboxFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-bench-store-'));
  const opened = await openDatabase(dir);
  const usernames: string[] = [];
  const accountIds: number[] = [];
  const now = Date.now();
  for (let i = 0; i < options.accounts; i++) {
    const username = `user${i}`;
    const { id } = await opened.db
      .insertInto('accounts')
      .values({ username, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await opened.db
      .insertInto('devices')
      .values({
        account_id: id,
        device_id: 1,
        identity_key: Buffer.alloc(32, 1),
        signing_key: Buffer.alloc(32, 2),
        certificate: Buffer.alloc(96, 3),
        created_at: now,
      })
      .execute();
    usernames.push(username);
    accountIds.push(id);
  }
  return {
    opened,
    usernames,
    accountIds,
    dispose: async () => {
      await opened.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
