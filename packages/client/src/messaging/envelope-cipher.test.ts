// Two real clients (each with its own IndexedDB, vault, keys, sessions and contacts) exchanging
// sealed envelopes through an in-memory "relay": the whole 1:1 path below the network.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import {
  accountPublic,
  certifyDevice,
  createAccountIdentity,
  initiateSession,
  loadPrimitives,
  sealEnvelope,
  sessionEncrypt,
  utf8,
  type AccountIdentity,
  type PrekeyBundle,
  type Primitives,
} from '@veil/protocol';
import { makeParty } from '@veil/protocol/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactBook } from '../contacts/contact-book';
import { KeyStore, type PrekeyUpload } from '../keys/key-store';
import { VeilDatabase } from '../store/veil-database';
import { VaultLock } from '../vault/vault-lock';
import { EnvelopeCipher } from './envelope-cipher';
import { SessionStore } from './session-store';

let p: Primitives;
const databases: VeilDatabase[] = [];
beforeAll(async () => {
  p = await loadPrimitives();
});
afterAll(async () => {
  for (const db of databases) await db.delete();
});

interface Client {
  readonly account: AccountIdentity;
  readonly cipher: EnvelopeCipher;
  readonly contacts: ContactBook;
  bundle(): PrekeyBundle;
}

let clientCount = 0;
async function client(
  accountId: string,
  account = createAccountIdentity(p, accountId),
): Promise<Client> {
  const db = new VeilDatabase(`cipher-${++clientCount}`, { indexedDB, IDBKeyRange });
  databases.push(db);
  const vault = new VaultLock(p, db);
  await vault.create('a long enough password');
  const keys = new KeyStore(p, db, vault);
  const upload: PrekeyUpload = await keys.initialise({ account, deviceId: 1 });
  const identity = await keys.identity();
  const contacts = new ContactBook(p, db, vault);
  const oneTime = [...upload.oneTimePrekeys];
  const pq = [...upload.oneTimePqPrekeys];
  return {
    account,
    contacts,
    cipher: new EnvelopeCipher(p, keys, new SessionStore(db, vault), contacts),
    // What the relay hands out: each one-time prekey once.
    bundle: () => ({
      certificate: identity.certificate,
      signedPrekey: upload.signedPrekey!,
      pqPrekey: pq.shift() ?? upload.lastResortPqPrekey!,
      oneTimePrekey: oneTime.shift(),
    }),
  };
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('envelope cipher', () => {
  it('carries a conversation both ways, in and out of order, and refuses replays', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    await alice.contacts.observe('bob', bob.account.accountKey);
    const toBob = (message: string) =>
      alice.cipher.encrypt({
        recipient: { accountId: 'bob', deviceId: 1 },
        plaintext: utf8(message),
        fetchBundle: async () => bob.bundle(),
      });
    const toAlice = (message: string) =>
      bob.cipher.encrypt({
        recipient: { accountId: 'alice', deviceId: 1 },
        plaintext: utf8(message),
        fetchBundle: async () => alice.bundle(),
      });

    const first = await toBob('hello bob');
    const second = await toBob('are you there?');
    // Delivered out of order: the second start-prefixed envelope first.
    const openedSecond = await bob.cipher.decrypt(second);
    expect(text(openedSecond.plaintext)).toBe('are you there?');
    expect(openedSecond.sender).toEqual({ accountId: 'alice', deviceId: 1 });
    expect(text((await bob.cipher.decrypt(first)).plaintext)).toBe('hello bob');
    await expect(bob.cipher.decrypt(first)).rejects.toMatchObject({ code: 'REPLAY' });

    // Bob learned Alice's key from the certificate (trust on first use) and can answer.
    expect(text((await alice.cipher.decrypt(await toAlice('hi alice'))).plaintext)).toBe(
      'hi alice',
    );
    for (let i = 0; i < 5; i++) {
      expect(text((await bob.cipher.decrypt(await toBob(`a${i}`))).plaintext)).toBe(`a${i}`);
      expect(text((await alice.cipher.decrypt(await toAlice(`b${i}`))).plaintext)).toBe(`b${i}`);
    }
    // Decrypting concurrently stays consistent (one queue per session).
    const burst = await Promise.all([toBob('x1'), toBob('x2'), toBob('x3')]);
    const opened = await Promise.all(burst.map((envelope) => bob.cipher.decrypt(envelope)));
    expect(opened.map((o) => text(o.plaintext)).sort()).toEqual(['x1', 'x2', 'x3']);
  });

  it('refuses an envelope whose certificate claims someone else', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    const mallory = makeParty(p, { accountId: 'mallory' });
    // Mallory starts a real session with Bob but puts Alice's certificate in the envelope.
    const state = initiateSession(p, {
      account: mallory.pub,
      device: mallory.device,
      remote: accountPublic(bob.account),
      bundle: bob.bundle(),
    });
    const out = sessionEncrypt(p, state, utf8('I am alice'));
    const aliceCertificate = certifyDevice(p, {
      account: alice.account,
      device: mallory.device,
    });
    const forged = sealEnvelope(p, {
      recipient: bob.bundle().certificate.identityKey,
      payload: {
        kind: 'sessionStart',
        certificate: { ...aliceCertificate, signature: mallory.certificate.signature },
        body: out.message,
      },
    });
    await expect(bob.cipher.decrypt(forged)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    const mismatched = sealEnvelope(p, {
      recipient: bob.bundle().certificate.identityKey,
      payload: { kind: 'sessionStart', certificate: alice.bundle().certificate, body: out.message },
    });
    await expect(bob.cipher.decrypt(mismatched)).rejects.toMatchObject({
      code: 'UNTRUSTED_IDENTITY',
    });
  });

  it('surfaces a changed identity and blocks sending until it is acknowledged', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    await alice.contacts.observe('bob', bob.account.accountKey);
    await bob.cipher.decrypt(
      await alice.cipher.encrypt({
        recipient: { accountId: 'bob', deviceId: 1 },
        plaintext: utf8('1'),
        fetchBundle: async () => bob.bundle(),
      }),
    );
    // Alice reinstalls with a new account key.
    const alice2 = await client('alice');
    await alice2.contacts.observe('bob', bob.account.accountKey);
    const opened = await bob.cipher.decrypt(
      await alice2.cipher.encrypt({
        recipient: { accountId: 'bob', deviceId: 1 },
        plaintext: utf8('new phone'),
        fetchBundle: async () => bob.bundle(),
      }),
    );
    expect(opened.identityChanged).toBe(true);
    const reply = () =>
      bob.cipher.encrypt({
        recipient: { accountId: 'alice', deviceId: 1 },
        plaintext: utf8('who?'),
        fetchBundle: async () => alice2.bundle(),
      });
    await expect(reply()).rejects.toMatchObject({ code: 'UNTRUSTED_IDENTITY' });
    await bob.contacts.acknowledgeKeyChange('alice');
    expect(text((await alice2.cipher.decrypt(await reply())).plaintext)).toBe('who?');
  });
});
