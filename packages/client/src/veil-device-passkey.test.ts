// Passkey-only accounts against a real relay, with a software passkey that has PRF: sign up with no
// password, lock and reopen offline with the passkey, sign in again with it alone, and add or remove
// passkeys on a password account. The PRF output never leaves the device.
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PasskeyPrfUnsupportedError } from './relay/passkey-auth';
import { signOut } from './relay/password-auth';
import { RelayHttp } from './relay/relay-http';
import { SoftPasskey } from './test-support/soft-passkey';
import {
  newTestDevice,
  socketFor,
  testDatabase,
  TEST_STRETCHING,
  until,
} from './test-support/test-device';
import { VeilDevice } from './veil-device';

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

/** An HTTP client that records every request body, to prove what never travelled. */
function recordingHttp(): { http: RelayHttp; bodies: string[] } {
  const bodies: string[] = [];
  const http = new RelayHttp({
    baseUrl: relay.baseUrl,
    origin: relay.origin,
    fetch: (input, init) => {
      if (typeof init?.body === 'string') bodies.push(init.body);
      return fetch(input, init);
    },
  });
  return { http, bodies };
}

describe('passkey-only accounts', () => {
  it('signs up, chats, reopens offline with the passkey and signs in with it alone', async () => {
    const passkey = new SoftPasskey(relay.origin);
    const { http, bodies } = recordingHttp();
    const db = testDatabase('bob');
    const bob = await VeilDevice.createWithPasskey({
      p,
      db,
      http,
      username: 'bob',
      authenticator: passkey,
    });
    expect(await bob.vault.factors()).toEqual({
      password: false,
      passkeys: [passkey.credentialId],
    });
    expect((await bob.account.summary()).passwordSet).toBe(false);

    const alice = await newTestDevice(p, relay, 'alice');
    await alice.addContact('bob');
    await bob.addContact('alice');
    await alice.messenger.sendText('bob', 'hello passkey bob');
    const socket = socketFor(bob, http, relay);
    await until(
      async () => (await bob.messenger.history('alice', { limit: 5 })).length === 1,
      'got',
    );
    socket.stop();

    // Locked, then opened with the passkey and no relay at all.
    bob.vault.lock();
    const offline = new RelayHttp({ baseUrl: 'http://127.0.0.1:9', origin: relay.origin });
    const reopened = await VeilDevice.openWithPasskey({
      p,
      db,
      http: offline,
      authenticator: passkey,
    });
    const history = await reopened.messenger.history('alice', { limit: 5 });
    expect(history.map((m) => m.value.text)).toEqual(['hello passkey bob']);

    // The session ends; the passkey alone signs in again and re-binds it to this device.
    await signOut(http);
    const again = await VeilDevice.openWithPasskey({ p, db, http, authenticator: passkey });
    await expect(again.api.prekeyCount()).rejects.toMatchObject({ status: 401 });
    await again.signInWithPasskey(passkey);
    expect((await again.api.prekeyCount()).oneTime).toBeGreaterThan(0);

    // The authenticator put its PRF output in every answer; none of it went to the relay.
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) expect(body).not.toContain('"prf"');
  });

  it('leaves no account behind when the authenticator has no PRF', async () => {
    const { http } = recordingHttp();
    await expect(
      VeilDevice.createWithPasskey({
        p,
        db: testDatabase('carol'),
        http,
        username: 'carol',
        authenticator: new SoftPasskey(relay.origin, { prf: false }),
      }),
    ).rejects.toBeInstanceOf(PasskeyPrfUnsupportedError);
    const accounts = await relay.app.db.selectFrom('accounts').select('username').execute();
    expect(accounts).toEqual([]);
  });

  it('asks once more for the PRF when the authenticator gives it only on get', async () => {
    const passkey = new SoftPasskey(relay.origin, { prfOnCreate: false });
    const { http } = recordingHttp();
    const dave = await VeilDevice.createWithPasskey({
      p,
      db: testDatabase('dave'),
      http,
      username: 'dave',
      authenticator: passkey,
    });
    expect(passkey.ceremonies).toBe(2);
    expect((await dave.vault.factors()).passkeys).toEqual([passkey.credentialId]);
  });

  it('adds a passkey to a password account, which then opens the vault; the last factor stays', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const passkey = new SoftPasskey(relay.origin);
    const proof = await alice.account.reauthWithPassword('alice password', TEST_STRETCHING);
    const added = await alice.addPasskey(passkey, proof, 'Laptop');
    expect(added.unlocksVault).toBe(true);
    expect((await alice.account.passkeys()).map((k) => k.name)).toEqual(['Laptop']);

    alice.vault.lock();
    const reopened = await VeilDevice.openWithPasskey({
      p,
      db: alice.db,
      http: alice.http,
      authenticator: passkey,
    });
    expect(reopened.vault.unlocked).toBe(true);

    // With a passkey on the account, the step-up asks for it (a password alone no longer does).
    await expect(
      reopened.account.reauthWithPassword('alice password', TEST_STRETCHING),
    ).rejects.toMatchObject({ status: 403 });
    const { challengeId, options } = await reopened.account.passkeyReauthOptions();
    const { response } = await passkey.get(options, new Uint8Array(1));
    const fresh = await reopened.account.reauthWithPasskey({ challengeId, response });
    await reopened.removePasskey(added.id, fresh);
    expect(await reopened.account.passkeys()).toEqual([]);
    expect((await reopened.vault.factors()).passkeys).toEqual([]);
  });

  it('refuses to remove the only factor that opens a passkey-only vault', async () => {
    const passkey = new SoftPasskey(relay.origin);
    const { http } = recordingHttp();
    const erin = await VeilDevice.createWithPasskey({
      p,
      db: testDatabase('erin'),
      http,
      username: 'erin',
      authenticator: passkey,
    });
    const { challengeId, options } = await erin.account.passkeyReauthOptions();
    const { response } = await passkey.get(options, new Uint8Array(1));
    const proof = await erin.account.reauthWithPasskey({ challengeId, response });
    await expect(erin.removePasskey(passkey.credentialId, proof)).rejects.toThrow('only factor');
    expect(await erin.account.passkeys()).toHaveLength(1);
  });
});
