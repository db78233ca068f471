import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import {
  acceptSession,
  accountPublic,
  createAccountIdentity,
  initiateSession,
  loadPrimitives,
  sessionEncrypt,
  utf8,
  type Primitives,
} from '@veil/protocol';
import { makeParty } from '@veil/protocol/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VeilDatabase } from '../store/veil-database';
import { VaultLock } from '../vault/vault-lock';
import { KeyStore } from './key-store';

let p: Primitives;
let db: VeilDatabase;
let vault: VaultLock;
beforeAll(async () => {
  p = await loadPrimitives();
  db = new VeilDatabase('key-store-test', { indexedDB, IDBKeyRange });
  vault = new VaultLock(p, db);
  await vault.create('a long enough password');
});
afterAll(async () => {
  await db.delete();
});

describe('key store', () => {
  it('publishes a full set of prekeys, answers a session start, and forgets consumed prekeys', async () => {
    const bob = createAccountIdentity(p, 'bob');
    const keys = new KeyStore(p, db, vault);
    const upload = await keys.initialise({ account: bob, deviceId: 1 });
    expect(upload.oneTimePrekeys).toHaveLength(100);
    expect(upload.oneTimePqPrekeys).toHaveLength(100);
    expect(upload.signedPrekey).toBeDefined();
    expect(upload.lastResortPqPrekey?.lastResort).toBe(true);
    const ids = [
      upload.signedPrekey!.id,
      upload.lastResortPqPrekey!.id,
      ...upload.oneTimePrekeys.map((k) => k.id),
    ];
    expect(new Set(ids).size).toBe(ids.length);

    // Alice starts a session from a bundle the relay would assemble from that upload.
    const identity = await keys.identity();
    const alice = makeParty(p, { accountId: 'alice' });
    const bundle = {
      certificate: identity.certificate,
      signedPrekey: upload.signedPrekey!,
      pqPrekey: upload.oneTimePqPrekeys[0]!,
      oneTimePrekey: upload.oneTimePrekeys[0]!,
    };
    const start = sessionEncrypt(
      p,
      initiateSession(p, {
        account: alice.pub,
        device: alice.device,
        remote: accountPublic(bob),
        bundle,
      }),
      utf8('hi bob'),
    );
    const accepted = acceptSession(p, {
      account: accountPublic(bob),
      device: identity.device,
      prekeys: keys.lookup,
      start: start.message,
    });
    expect(new TextDecoder().decode(accepted.plaintext)).toBe('hi bob');
    await keys.consume(accepted.consumed);

    // After a reload (new instance, secrets read back from the vault), the consumed prekeys are gone.
    const reloaded = new KeyStore(p, db, vault);
    await reloaded.load();
    expect(reloaded.lookup.oneTimePrekey(upload.oneTimePrekeys[0]!.id)).toBeUndefined();
    expect(reloaded.lookup.pqPrekey(upload.oneTimePqPrekeys[0]!.id)).toBeUndefined();
    expect(reloaded.lookup.oneTimePrekey(upload.oneTimePrekeys[1]!.id)).toBeDefined();
    expect(() =>
      acceptSession(p, {
        account: accountPublic(bob),
        device: identity.device,
        prekeys: reloaded.lookup,
        start: start.message,
      }),
    ).toThrow(expect.objectContaining({ code: 'MISSING_PREKEY' }) as Error);
  });

  it('refills below the threshold with fresh ids, and not above it', async () => {
    const keys = new KeyStore(p, db, vault);
    await keys.load();
    expect((await keys.refill(20)).oneTimePrekeys).toHaveLength(0);
    const refill = await keys.refill(5);
    expect(refill.oneTimePrekeys).toHaveLength(95);
    expect(refill.oneTimePqPrekeys).toHaveLength(95);
    // Ids so far: signed prekey 1, last resort 2, the first batch 3..102 (one id per X25519/ML-KEM pair).
    expect(Math.min(...refill.oneTimePrekeys.map((k) => k.id))).toBe(103);
    expect(refill.oneTimePqPrekeys.map((k) => k.id)).toEqual(
      refill.oneTimePrekeys.map((k) => k.id),
    );
  });
});
