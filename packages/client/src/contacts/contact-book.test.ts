import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import {
  accountPublic,
  createAccountIdentity,
  createDeviceKeys,
  encodeDeviceList,
  loadPrimitives,
  signDeviceList,
  type AccountIdentity,
  type Primitives,
} from '@veil/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VeilDatabase } from '../store/veil-database';
import { VaultLock } from '../vault/vault-lock';
import { canSendTo } from './contact';
import { ContactBook } from './contact-book';

let p: Primitives;
let db: VeilDatabase;
let book: ContactBook;
let bob: AccountIdentity;
beforeAll(async () => {
  p = await loadPrimitives();
  db = new VeilDatabase('contact-book-test', { indexedDB, IDBKeyRange });
  const vault = new VaultLock(p, db);
  await vault.create('a long enough password');
  book = new ContactBook(p, db, vault);
  bob = createAccountIdentity(p, 'bob');
});
afterAll(async () => {
  await db.delete();
});

function listFor(account: AccountIdentity, counter: number, deviceIds: number[]): Uint8Array {
  const devices = deviceIds.map((id) => {
    const keys = createDeviceKeys(p, id);
    return {
      deviceId: id,
      signingKey: keys.signing.publicKey,
      identityKey: keys.identity.publicKey,
      name: `d${id}`,
    };
  });
  return encodeDeviceList(signDeviceList(p, { account, counter, issuedAt: counter, devices }));
}

describe('contact book', () => {
  it('pins the first key, and blocks sending on a changed key until acknowledged', async () => {
    const first = await book.observe('bob', bob.accountKey);
    expect(first.observation).toBe('new');
    expect(canSendTo(first.contact)).toBe(true);
    await book.update('bob', (c) => ({ ...c, verified: true }));
    expect((await book.observe('bob', bob.accountKey)).observation).toBe('same');

    const impostor = createAccountIdentity(p, 'bob');
    const changed = await book.observe('bob', impostor.accountKey);
    expect(changed.observation).toBe('changed');
    expect(changed.contact.verified).toBe(false);
    expect(canSendTo(changed.contact)).toBe(false);
    expect((await book.observe('bob', impostor.accountKey)).observation).toBe('already-pending');
    expect((await book.get('bob'))!.accountKey).toEqual(bob.accountKey);

    const acknowledged = await book.acknowledgeKeyChange('bob');
    expect(acknowledged.accountKey).toEqual(impostor.accountKey);
    expect(canSendTo(acknowledged)).toBe(true);
  });

  it('accepts device lists only under the pinned key and never backwards', async () => {
    const carol = createAccountIdentity(p, 'carol');
    await book.observe('carol', carol.accountKey);
    await book.acceptDeviceList('carol', listFor(carol, 1, [1]));
    const v3 = await book.acceptDeviceList('carol', listFor(carol, 3, [1, 2]));
    expect(v3.devices).toHaveLength(2);
    await expect(book.acceptDeviceList('carol', listFor(carol, 2, [1]))).rejects.toMatchObject({
      code: 'ROLLBACK',
    });
    const mallory = createAccountIdentity(p, 'carol');
    await expect(
      book.acceptDeviceList('carol', listFor(mallory, 9, [1, 2, 3])),
    ).rejects.toMatchObject({
      code: 'UNTRUSTED_IDENTITY',
    });
    expect(accountPublic(carol).accountId).toBe('carol');
  });

  it('keeps blocked and muted flags, and blocked refuses sending', async () => {
    const dave = createAccountIdentity(p, 'dave');
    await book.observe('dave', dave.accountKey);
    const blocked = await book.setBlocked('dave', true);
    expect(canSendTo(blocked)).toBe(false);
    await book.setMuted('dave', true);
    expect(await book.get('dave')).toMatchObject({ blocked: true, muted: true });
    await book.setBlocked('dave', false);
    await book.setMuted('dave', false);
    const restored = (await book.get('dave'))!;
    expect(restored).toMatchObject({ blocked: false, muted: false });
    expect(canSendTo(restored)).toBe(true);
    await book.remove('dave');
    expect(await book.get('dave')).toBeUndefined();
  });

  it('stores contacts encrypted', async () => {
    const raw = await db.contacts.toArray();
    expect(raw.length).toBeGreaterThan(0);
    for (const row of raw) {
      expect(Object.keys(row).sort()).toEqual(['body', 'id']);
      expect(row.id).not.toMatch(/bob|carol/);
    }
  });
});
