// Sensitive account changes against a real relay: a password change moves the relay and the local
// vault together (also when the relay's answer is lost after it committed), TOTP off and new
// recovery codes behind a fresh proof, and deletion frees the username and removes the database.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { totpCodeAt } from '@veil/relay/src/auth/totp';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  changePassword,
  deleteAccount,
  disableTotp,
  freshProof,
  newRecoveryCodes,
} from './account-security';
import { signIn } from './relay/password-auth';
import { RelayHttp } from './relay/relay-http';
import { VeilDatabase } from './store/veil-database';
import { newTestDevice, TEST_STRETCHING } from './test-support/test-device';
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

const freshHttp = () => new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });

/** Whether the relay lets `password` sign in as `username` (from a fresh session). */
async function relayAccepts(username: string, password: string): Promise<boolean> {
  try {
    await signIn(freshHttp(), { username, password, keyStretching: TEST_STRETCHING });
    return true;
  } catch {
    return false;
  }
}

/** Whether this device's vault opens with `password` (offline: a second instance, as a reload). */
async function vaultOpens(device: VeilDevice, password: string): Promise<boolean> {
  try {
    const reopened = await VeilDevice.open({ ...device.options, password });
    reopened.vault.lock();
    return true;
  } catch {
    return false;
  }
}

let databases = 0;

describe('account security', () => {
  it('changes the password on the relay and in the vault together', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    await expect(
      changePassword(alice, { factor: { password: 'not it' }, newPassword: 'alice new password' }),
    ).rejects.toMatchObject({ code: 'RELAY_ERR_INVALID_CREDENTIALS' });
    expect(await alice.vault.hasStagedPassword()).toBe(false);

    await changePassword(alice, {
      factor: { password: 'alice password' },
      newPassword: 'alice new password',
    });
    expect(await alice.vault.hasStagedPassword()).toBe(false);
    expect(await vaultOpens(alice, 'alice new password')).toBe(true);
    expect(await vaultOpens(alice, 'alice password')).toBe(false);
    expect(await relayAccepts('alice', 'alice new password')).toBe(true);
    expect(await relayAccepts('alice', 'alice password')).toBe(false);
  }, 30_000);

  it('keeps both passwords opening the vault when the answer is lost, until a sign-in settles it', async () => {
    // The network, not our code, fails: the relay commits `password/finish`, the reply never comes.
    let loseAnswerTo: string | null = null;
    const http = new RelayHttp({
      baseUrl: relay.baseUrl,
      origin: relay.origin,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        // RelayHttp always passes the URL as a string.
        if (loseAnswerTo !== null && typeof input === 'string' && input.endsWith(loseAnswerTo)) {
          throw new TypeError('network connection lost');
        }
        return response;
      },
    });
    const db = new VeilDatabase(`account-security-${++databases}`, { indexedDB, IDBKeyRange });
    const alice = await VeilDevice.create({
      p,
      db,
      http,
      username: 'alice',
      password: 'alice password',
      keyStretching: TEST_STRETCHING,
    });
    loseAnswerTo = '/api/v1/account/password/finish';
    await expect(
      changePassword(alice, {
        factor: { password: 'alice password' },
        newPassword: 'alice new password',
      }),
    ).rejects.toMatchObject({ network: true });
    loseAnswerTo = null;
    expect(await alice.vault.hasStagedPassword()).toBe(true);
    expect(await vaultOpens(alice, 'alice password')).toBe(true);
    expect(await vaultOpens(alice, 'alice new password')).toBe(true);

    // The old password cannot sign in any more; the new one can, and settles the vault on itself.
    await expect(alice.signIn('alice password')).rejects.toMatchObject({
      code: 'RELAY_ERR_INVALID_CREDENTIALS',
    });
    expect(await alice.vault.hasStagedPassword()).toBe(true);
    await alice.signIn('alice new password');
    expect(await alice.vault.hasStagedPassword()).toBe(false);
    expect(await vaultOpens(alice, 'alice password')).toBe(false);
    expect(await vaultOpens(alice, 'alice new password')).toBe(true);
  }, 30_000);

  it('needs the second factor for TOTP changes, and new recovery codes void the old', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const uri = await alice.account.enrolTotp(
      await freshProof(alice, { password: 'alice password' }),
    );
    const secret = new URL(uri).searchParams.get('secret')!;
    const first = await alice.account.confirmTotp(await totpCodeAt(secret, Date.now()));

    // With a second factor the password alone proves nothing.
    await expect(newRecoveryCodes(alice, { password: 'alice password' })).rejects.toMatchObject({
      status: 403,
    });
    const second = await newRecoveryCodes(alice, { code: first[0]! });
    expect(second).toHaveLength(10);
    expect(second).not.toContain(first[1]);
    await expect(disableTotp(alice, { code: first[1]! })).rejects.toMatchObject({ status: 401 });
    await disableTotp(alice, { code: second[0]! });
    expect((await alice.account.summary()).totpEnabled).toBe(false);
  });

  it('deletes the account: the username is free again and the local database is gone', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    await expect(deleteAccount(alice, { password: 'wrong' })).rejects.toMatchObject({
      code: 'RELAY_ERR_INVALID_CREDENTIALS',
    });
    expect(await VeilDevice.exists({ p, db: alice.db })).toBe(true);

    await deleteAccount(alice, { password: 'alice password' });
    expect(await VeilDevice.exists({ p, db: alice.db })).toBe(false);
    expect(await relayAccepts('alice', 'alice password')).toBe(false);
    await newTestDevice(p, relay, 'alice');
    expect(await relayAccepts('alice', 'alice password')).toBe(true);
  });
});
