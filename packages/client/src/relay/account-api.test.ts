// The account's own routes through the client against a real relay: TOTP enrolment (codes from the
// enrolled secret), sign-in with the second factor and with a recovery code, sessions, password
// change (a new export key; the old password stops working) and account deletion.
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { totpCodeAt } from '@veil/relay/src/auth/totp';
import { freshTotpCode } from '@veil/relay/src/auth/test-support/factors';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newTestDevice, TEST_STRETCHING } from '../test-support/test-device';
import { AccountApi } from './account-api';
import { completeSecondFactor, signIn } from './password-auth';
import { RelayHttp } from './relay-http';

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

describe('account api', () => {
  it('enrols TOTP, then signs in with a code or a recovery code', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const account = new AccountApi(alice.http);
    const proof = await account.reauthWithPassword('alice password', TEST_STRETCHING);
    const uri = await account.enrolTotp(proof);
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const secret = new URL(uri).searchParams.get('secret')!;
    const recoveryCodes = await account.confirmTotp(await totpCodeAt(secret, Date.now()));
    expect(recoveryCodes).toHaveLength(10);
    expect((await account.summary()).totpEnabled).toBe(true);

    const laptop = freshHttp();
    const first = await signIn(laptop, {
      username: 'alice',
      password: 'alice password',
      keyStretching: TEST_STRETCHING,
    });
    expect(first.status).toBe('second-factor');
    if (first.status !== 'second-factor') return;
    const signedIn = await completeSecondFactor(laptop, {
      pendingToken: first.pendingToken,
      code: await freshTotpCode(relay, 'alice', secret),
    });
    expect(signedIn.status).toBe('signed-in');

    const phone = freshHttp();
    const second = await signIn(phone, {
      username: 'alice',
      password: 'alice password',
      keyStretching: TEST_STRETCHING,
    });
    if (second.status !== 'second-factor') throw new Error('expected a second factor');
    await completeSecondFactor(phone, {
      pendingToken: second.pendingToken,
      recoveryCode: recoveryCodes[0]!,
    });
    expect((await new AccountApi(phone).summary()).recoveryCodesLeft).toBe(9);

    const sessions = await account.sessions();
    expect(sessions.sessions).toHaveLength(3);
    const other = sessions.sessions.find((s) => !s.current)!;
    await account.revokeSession(other.id);
    expect((await account.sessions()).sessions).toHaveLength(2);
  });

  it('changes the password (new export key) and deletes the account', async () => {
    const bob = await newTestDevice(p, relay, 'bob');
    const account = new AccountApi(bob.http);
    const before = await signIn(freshHttp(), {
      username: 'bob',
      password: 'bob password',
      keyStretching: TEST_STRETCHING,
    });
    const { exportKey } = await account.changePassword({
      proof: await account.reauthWithPassword('bob password', TEST_STRETCHING),
      newPassword: 'a brand new passphrase',
      keyStretching: TEST_STRETCHING,
    });
    expect(exportKey).not.toBe(before.exportKey);
    await expect(
      signIn(freshHttp(), {
        username: 'bob',
        password: 'bob password',
        keyStretching: TEST_STRETCHING,
      }),
    ).rejects.toMatchObject({ code: 'RELAY_ERR_INVALID_CREDENTIALS' });
    const after = await signIn(freshHttp(), {
      username: 'bob',
      password: 'a brand new passphrase',
      keyStretching: TEST_STRETCHING,
    });
    expect(after.exportKey).toBe(exportKey);

    await account.deleteAccount(
      await account.reauthWithPassword('a brand new passphrase', TEST_STRETCHING),
    );
    await expect(account.summary()).rejects.toMatchObject({ code: 'RELAY_ERR_UNAUTHENTICATED' });
    await expect(bob.api.directory('bob')).rejects.toMatchObject({ status: 401 });
  });
});
