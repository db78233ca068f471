// The backup file end to end: a device with real history (messages exchanged through a real relay)
// is exported, restored into a fresh fake IndexedDB, unlocked with the account password, and holds
// the same rows and the same history. A wrong passphrase or a cut file leaves no vault behind.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { concatBytes, loadPrimitives, VAULT_ARGON2ID_MIN, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RelayHttp } from '../relay/relay-http';
import { VeilDatabase } from '../store/veil-database';
import { newTestDevice, TEST_STRETCHING } from '../test-support/test-device';
import { VeilDevice } from '../veil-device';
import { exportVaultBackup, restoreVaultBackup } from './vault-backup';

let p: Primitives;
let relay: TestRelay;
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay.stop();
});

let databases = 0;
const freshDatabase = () =>
  new VeilDatabase(`vault-backup-${++databases}`, { indexedDB, IDBKeyRange });

/** Every row of every table, keyed by table name: what "the same database" means here. */
async function dump(db: VeilDatabase): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of db.tables) out[table.name] = await table.toArray();
  return out;
}

async function collect(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const all: Uint8Array[] = [];
  for await (const piece of pieces) all.push(piece);
  return concatBytes(...all);
}

/** The file in pieces of a few KiB, as a browser's File.stream() hands them over. */
function* inPieces(file: Uint8Array, size = 4096): Generator<Uint8Array> {
  for (let at = 0; at < file.length; at += size) yield file.subarray(at, at + size);
}

const BACKUP = 'a separate backup passphrase';

/** Like test-device's `until`, with room for a loaded two-core machine (Argon2id runs alongside). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('vault backup', () => {
  it('restores a whole device into a fresh database: same rows, same history', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    await alice.addContact('bob');
    await bob.addContact('alice');
    const [aliceSocket, bobSocket] = [alice.connect(), bob.connect()];
    for (let i = 0; i < 3; i++) await alice.messenger.sendText('bob', `from alice ${i}`);
    await until(
      async () => (await bob.messenger.history('alice', { limit: 50 })).length === 3,
      'bob has them',
    );
    await bob.messenger.sendText('alice', 'from bob');
    await until(async () => {
      // An entry queued while a receipt's flush is running waits for the next flush (seen in
      // outbox.ts's shared run): nudge it, as the app's next socket or `online` event would.
      await bob.outbox.flush();
      return (await alice.messenger.history('bob', { limit: 50 })).length === 4;
    }, 'alice has the answer');
    // Delivery receipts travel both ways through the outboxes: wait until every message is marked
    // delivered and alice's outbox is empty, so her database is still while it is exported.
    const delivered = async (device: typeof alice, peer: string): Promise<boolean> =>
      (await device.messenger.history(peer, { limit: 50 }))
        .filter((m) => m.value.direction === 'out')
        .every((m) => m.value.mark === 'delivered');
    await until(async () => {
      await Promise.all([alice.outbox.flush(), bob.outbox.flush()]);
      return (
        (await delivered(alice, 'bob')) &&
        (await delivered(bob, 'alice')) &&
        (await alice.outbox.pending()).length === 0
      );
    }, 'every receipt delivered');
    aliceSocket.stop();
    bobSocket.stop();
    const history = (await alice.messenger.history('bob', { limit: 50 })).map((m) => m.value);

    const file = await collect(
      exportVaultBackup({ p, db: alice.db, passphrase: BACKUP, params: VAULT_ARGON2ID_MIN }),
    );
    // Nothing in the file is readable without the passphrase.
    expect(new TextDecoder().decode(file)).not.toContain('from alice');

    const db = freshDatabase();
    await restoreVaultBackup({ p, db, passphrase: BACKUP, source: inPieces(file) });
    expect(await dump(db)).toEqual(await dump(alice.db));

    const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
    const options = { p, db, http, keyStretching: TEST_STRETCHING };
    await expect(VeilDevice.open({ ...options, password: BACKUP })).rejects.toMatchObject({
      code: 'DECRYPT_FAILED',
    });
    const restored = await VeilDevice.open({ ...options, password: 'alice password' });
    expect(await restored.username()).toBe('alice');
    const restoredHistory = await restored.messenger.history('bob', { limit: 50 });
    expect(restoredHistory.map((m) => m.value)).toEqual(history);
    expect(restoredHistory.map((m) => m.value.text)).toContain('from bob');

    // A browser that already holds a vault is never overwritten.
    await expect(
      restoreVaultBackup({ p, db, passphrase: BACKUP, source: inPieces(file) }),
    ).rejects.toThrow(/already holds/);
  }, 60_000);

  it('leaves no vault after a wrong passphrase or a cut file, and can then be retried', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const file = await collect(
      exportVaultBackup({ p, db: alice.db, passphrase: BACKUP, params: VAULT_ARGON2ID_MIN }),
    );
    const db = freshDatabase();
    await expect(
      restoreVaultBackup({ p, db, passphrase: 'not the passphrase', source: inPieces(file) }),
    ).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await expect(
      restoreVaultBackup({
        p,
        db,
        passphrase: BACKUP,
        source: inPieces(file.subarray(0, file.length - 40)),
      }),
    ).rejects.toMatchObject({ code: 'TRUNCATED' });
    expect(await VeilDevice.exists({ p, db })).toBe(false);
    for (const table of db.tables) expect(await table.count()).toBe(0);

    await restoreVaultBackup({ p, db, passphrase: BACKUP, source: inPieces(file) });
    expect(await dump(db)).toEqual(await dump(alice.db));
  }, 60_000);
});
