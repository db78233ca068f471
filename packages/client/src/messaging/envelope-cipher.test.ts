// Two real clients (each with its own IndexedDB, vault, keys, sessions and contacts) exchanging
// sealed envelopes through an in-memory "relay": the whole 1:1 path below the network.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import {
  accountPublic,
  certifyDevice,
  createAccountIdentity,
  encodeRatchetState,
  encodeSessionRecord,
  initiateSession,
  loadPrimitives,
  ProtocolError,
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
  readonly sessions: SessionStore;
  readonly db: VeilDatabase;
  readonly vault: VaultLock;
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
  const sessions = new SessionStore(db, vault);
  return {
    account,
    contacts,
    sessions,
    db,
    vault,
    cipher: new EnvelopeCipher(p, keys, sessions, contacts),
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

  it('both start a session at once: each keeps both, and the first reply settles them on one', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    await alice.contacts.observe('bob', bob.account.accountKey);
    await bob.contacts.observe('alice', alice.account.accountKey);
    const bobAddress = { accountId: 'bob', deviceId: 1 };
    const aliceAddress = { accountId: 'alice', deviceId: 1 };
    const toBob = (message: string) =>
      alice.cipher.encrypt({
        recipient: bobAddress,
        plaintext: utf8(message),
        fetchBundle: async () => bob.bundle(),
      });
    const toAlice = (message: string) =>
      bob.cipher.encrypt({
        recipient: aliceAddress,
        plaintext: utf8(message),
        fetchBundle: async () => alice.bundle(),
      });
    const fromAlice = await toBob('hi bob');
    const fromBob = await toAlice('hi alice');
    expect(text((await bob.cipher.decrypt(fromAlice)).plaintext)).toBe('hi bob');
    expect(text((await alice.cipher.decrypt(fromBob)).plaintext)).toBe('hi alice');
    const record = (c: Client, address: typeof aliceAddress) => c.sessions.get(address);
    expect((await record(alice, bobAddress))!.archived).toHaveLength(1);
    expect((await record(bob, aliceAddress))!.archived).toHaveLength(1);

    // A duplicated first envelope: refused, and no second copy of the session appears.
    const before = encodeSessionRecord((await record(bob, aliceAddress))!);
    await expect(bob.cipher.decrypt(fromAlice)).rejects.toMatchObject({ code: 'REPLAY' });
    // A tampered one: refused, nothing committed.
    const tampered = fromAlice.slice();
    tampered[tampered.length - 5]! ^= 1;
    await expect(bob.cipher.decrypt(tampered)).rejects.toBeInstanceOf(ProtocolError);
    expect(encodeSessionRecord((await record(bob, aliceAddress))!)).toEqual(before);

    // Bob answers on his current session (Alice's); she promotes it, and they agree from then on.
    expect(text((await alice.cipher.decrypt(await toAlice('answer'))).plaintext)).toBe('answer');
    for (let i = 0; i < 3; i++) {
      expect(text((await bob.cipher.decrypt(await toBob(`a${i}`))).plaintext)).toBe(`a${i}`);
      expect(text((await alice.cipher.decrypt(await toAlice(`b${i}`))).plaintext)).toBe(`b${i}`);
    }
    const a = (await record(alice, bobAddress))!;
    const b = (await record(bob, aliceAddress))!;
    expect(a.current.baseKey).toEqual(b.current.baseKey);
    expect([a.archived.length, b.archived.length]).toEqual([1, 1]);
  });

  it('reads a session row stored before archived sessions were kept, and rewrites it', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    await alice.contacts.observe('bob', bob.account.accountKey);
    const address = { accountId: 'alice', deviceId: 1 };
    const toBob = (message: string) =>
      alice.cipher.encrypt({
        recipient: { accountId: 'bob', deviceId: 1 },
        plaintext: utf8(message),
        fetchBundle: async () => bob.bundle(),
      });
    await bob.cipher.decrypt(await toBob('one'));
    // Put the row back in its old shape: a bare encoded RatchetState.
    const state = (await bob.sessions.get(address))!.current;
    const [row] = await bob.db.sessions.toArray();
    await bob.db.sessions.put({
      id: row!.id,
      body: bob.vault.codec.seal('sessions', row!.id, encodeRatchetState(state)),
    });
    expect(text((await bob.cipher.decrypt(await toBob('two'))).plaintext)).toBe('two');
    const stored = bob.vault.codec.open(
      'sessions',
      row!.id,
      (await bob.db.sessions.get(row!.id))!.body,
    );
    expect(stored).toHaveProperty('record');
    expect((await bob.sessions.get(address))!.archived).toEqual([]);
  });
});
