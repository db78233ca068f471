// TOTP end to end against a real relay: enrolment behind a fresh proof, activation by a correct
// code, the second step of sign-in, single use per time step, recovery codes, the pending-login
// budget, lockout by wrong codes, and turning it off.
import type {
  AccountSessionListReply,
  AccountSummary,
  ActivityPageReply,
  RecoveryCodesReply,
  SignedInReply,
  TotpEnrolReply,
} from '@veil/wire';
import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../auth/totp';
import { AuthClient, signedUp } from '../../auth/test-support/auth-client';
import { enableTotp, freshTotpCode } from '../../auth/test-support/factors';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

const PASSWORD = 'a long enough password';
let relay: TestRelay;
beforeAll(async () => {
  await opaque.ready;
});
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay.stop();
});

async function account(username: string) {
  return relay.app.db
    .selectFrom('accounts')
    .selectAll()
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
}

/** Password step of sign-in; returns the pending token. */
async function pendingLogin(client: AuthClient, username: string): Promise<string> {
  const answer = await client.login(username, PASSWORD);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({
    status: 'second-factor',
    methods: ['totp', 'recovery-code'],
  });
  return answer.body.pendingToken as string;
}

describe('TOTP', () => {
  it('enrols only with a fresh proof, shows only the URI, and keeps the seed sealed', async () => {
    const client = await signedUp(relay, 'alice', PASSWORD);
    const bare = await client.call<TotpEnrolReply>('POST', '/api/v1/account/totp/enrol', {});
    expect(bare.status).toBe(403);
    expect(bare.body.code).toBe('RELAY_ERR_STEP_UP');

    const wrongPassword = await client.reauthWithPassword('not it');
    expect(wrongPassword.status).toBe(401);
    const reauth = await client.reauthWithPassword(PASSWORD);
    expect(reauth.status).toBe(200);
    const enrol = await client.call<TotpEnrolReply>('POST', '/api/v1/account/totp/enrol', {
      reauthToken: reauth.body.reauthToken,
    });
    expect(enrol.status).toBe(200);
    expect(Object.keys(enrol.body)).toEqual(['otpauthUri']);
    const uri = new URL(enrol.body.otpauthUri);
    expect(`${uri.protocol}//${uri.host}${decodeURIComponent(uri.pathname)}`).toBe(
      'otpauth://totp/Veil:alice',
    );
    const secret = uri.searchParams.get('secret')!;
    // The token was single-use.
    const again = await client.call<TotpEnrolReply>('POST', '/api/v1/account/totp/enrol', {
      reauthToken: reauth.body.reauthToken,
    });
    expect(again.status).toBe(403);

    const row = await account('alice');
    expect(row.totp_enabled).toBe(0);
    expect(row.totp_secret).not.toBeNull();
    expect(Buffer.from(row.totp_secret!).toString('latin1')).not.toContain(secret);
    expect(relay.app.relayKeys.open(row.totp_secret!, `totp:${row.id}`).toString()).toBe(secret);
    // Not on until confirmed: sign-in still takes the password alone.
    expect((await new AuthClient(relay).login('alice', PASSWORD)).body.status).toBe('signed-in');
  });

  it('turns on with a correct code and hands out ten single-use recovery codes once', async () => {
    const client = await signedUp(relay, 'bob', PASSWORD);
    const reauth = await client.reauthWithPassword(PASSWORD);
    const enrol = await client.call<TotpEnrolReply>('POST', '/api/v1/account/totp/enrol', {
      reauthToken: reauth.body.reauthToken,
    });
    const secret = new URL(enrol.body.otpauthUri).searchParams.get('secret')!;
    const wrong = await client.call<RecoveryCodesReply>('POST', '/api/v1/account/totp/confirm', {
      code: (Number(await totpCodeAt(secret, Date.now())) ^ 1).toString().padStart(6, '0'),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('RELAY_ERR_SECOND_FACTOR');
    const right = await client.call<RecoveryCodesReply>('POST', '/api/v1/account/totp/confirm', {
      code: await totpCodeAt(secret, Date.now()),
    });
    expect(right.status).toBe(200);
    const codes = right.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes)
      expect(code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
    const stored = await relay.app.db.selectFrom('recovery_codes').selectAll().execute();
    expect(stored).toHaveLength(10);
    const dump = JSON.stringify(stored.map((r) => Buffer.from(r.code_hash).toString('latin1')));
    for (const code of codes) expect(dump).not.toContain(code.replaceAll('-', ''));

    expect((await client.call<AccountSummary>('GET', '/api/v1/account')).body).toMatchObject({
      totpEnabled: true,
      recoveryCodesLeft: 10,
    });
    const enrolAgain = await client.call<TotpEnrolReply>('POST', '/api/v1/account/totp/enrol', {});
    expect(enrolAgain.status).toBe(409);
    const activity = await client.call<ActivityPageReply>('GET', '/api/v1/account/activity');
    expect(activity.body.entries[0]?.kind).toBe('totp-enabled');
  });

  it('asks for the code after the password, and takes each time step once', async () => {
    const client = await signedUp(relay, 'carol', PASSWORD);
    const { secret, confirmedWith } = await enableTotp(client, PASSWORD);
    const browser = new AuthClient(relay);
    const pending = await pendingLogin(browser, 'carol');
    expect(browser.cookie).toBeNull();
    // The code that confirmed enrolment: its step is spent.
    const replay = await browser.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: pending,
      code: confirmedWith.code,
    });
    expect(replay.status).toBe(401);
    // The following step's code is inside the ±1 window (now or a step ago) and unused.
    const next = await totpCodeAt(secret, confirmedWith.at + 30_000);
    const signedIn = await browser.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: pending,
      code: next,
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ status: 'signed-in', account: { totpEnabled: true } });
    expect(browser.cookie).not.toBeNull();
    // The pending token is gone, and the same code cannot serve a second sign-in.
    const reuse = await browser.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: pending,
      code: next,
    });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('RELAY_ERR_LOGIN_EXPIRED');
    const other = new AuthClient(relay);
    const otherPending = await pendingLogin(other, 'carol');
    const sameCode = await other.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: otherPending,
      code: next,
    });
    expect(sameCode.status).toBe(401);
    const sessions = await browser.call<AccountSessionListReply>('GET', '/api/v1/account/sessions');
    expect(sessions.body.sessions.find((s) => s.current)?.method).toBe('password+totp');
  });

  it('signs in with a recovery code, once per code', async () => {
    const client = await signedUp(relay, 'dave', PASSWORD);
    const { recoveryCodes } = await enableTotp(client, PASSWORD);
    const browser = new AuthClient(relay);
    const first = await browser.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: await pendingLogin(browser, 'dave'),
      recoveryCode: recoveryCodes[3]!.toUpperCase(),
    });
    expect(first.status).toBe(200);
    expect(first.body.account.recoveryCodesLeft).toBe(9);
    const second = new AuthClient(relay);
    const reused = await second.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: await pendingLogin(second, 'dave'),
      recoveryCode: recoveryCodes[3],
    });
    expect(reused.status).toBe(401);
    const both = await second.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: await pendingLogin(second, 'dave'),
      code: '123456',
      recoveryCode: recoveryCodes[4],
    });
    expect(both.status).toBe(400);
    const kinds = (
      await browser.call<ActivityPageReply>('GET', '/api/v1/account/activity')
    ).body.entries.map((e) => e.kind);
    expect(kinds).toContain('recovery-code-used');
    expect(kinds).toContain('sign-in-failed');
  });

  it('gives a pending login five tries and five minutes', async () => {
    const client = await signedUp(relay, 'erin', PASSWORD);
    const { secret } = await enableTotp(client, PASSWORD);
    const browser = new AuthClient(relay);
    const pending = await pendingLogin(browser, 'erin');
    for (let i = 0; i < 4; i++) {
      const wrong = await browser.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
        pendingToken: pending,
        code: '000000',
      });
      expect(wrong.body.code).toBe('RELAY_ERR_SECOND_FACTOR');
    }
    // Four failures so far: one short of the lockout. The fifth try is the token's last.
    await relay.app.db.updateTable('accounts').set({ failed_logins: 0 }).execute();
    await browser.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: pending,
      code: '000000',
    });
    const spent = await browser.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: pending,
      code: await freshTotpCode(relay, 'erin', secret),
    });
    expect(spent.body.code).toBe('RELAY_ERR_LOGIN_EXPIRED');

    await relay.app.db.updateTable('accounts').set({ failed_logins: 0 }).execute();
    const late = await pendingLogin(browser, 'erin');
    await relay.app.db
      .updateTable('pending_logins')
      .set({ expires_at: Date.now() - 1 })
      .execute();
    const expired = await browser.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: late,
      code: await freshTotpCode(relay, 'erin', secret),
    });
    expect(expired.body.code).toBe('RELAY_ERR_LOGIN_EXPIRED');
  });

  it('locks the account after five wrong codes, even for the right password and code', async () => {
    const client = await signedUp(relay, 'frank', PASSWORD);
    const { secret } = await enableTotp(client, PASSWORD);
    const attacker = new AuthClient(relay);
    const first = await pendingLogin(attacker, 'frank');
    for (let i = 0; i < 4; i++) {
      await attacker.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
        pendingToken: first,
        code: '000000',
      });
    }
    const second = await pendingLogin(attacker, 'frank');
    await attacker.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: second,
      code: '000000',
    });
    expect((await account('frank')).locked_until).toBeGreaterThan(Date.now());
    // A correct code on a token that is still live is refused unchecked while locked ...
    const refused = await attacker.call<SignedInReply>('POST', '/api/v1/auth/login/second-factor', {
      pendingToken: second,
      code: await freshTotpCode(relay, 'frank', secret),
    });
    expect(refused.body.code).toBe('RELAY_ERR_SECOND_FACTOR');
    expect((await account('frank')).totp_last_step).toBeNull();
    // ... and the right password is answered like a wrong one.
    const owner = await new AuthClient(relay).login('frank', PASSWORD);
    expect(owner.status).toBe(401);
    expect(owner.body.code).toBe('RELAY_ERR_INVALID_CREDENTIALS');
  });

  it('regenerates recovery codes and turns off only with a current code', async () => {
    const client = await signedUp(relay, 'gina', PASSWORD);
    const { secret, recoveryCodes } = await enableTotp(client, PASSWORD);
    expect(
      (await client.call<RecoveryCodesReply>('POST', '/api/v1/account/totp/recovery-codes', {}))
        .status,
    ).toBe(403);
    const regenerated = await client.call<RecoveryCodesReply>(
      'POST',
      '/api/v1/account/totp/recovery-codes',
      {
        code: await freshTotpCode(relay, 'gina', secret),
      },
    );
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.recoveryCodes).toHaveLength(10);
    expect(regenerated.body.recoveryCodes).not.toContain(recoveryCodes[0]);

    // A password proof does not stand in for the second factor once there is one.
    const byPassword = await client.reauthWithPassword(PASSWORD);
    expect(byPassword.start.status).toBe(403);
    const wrongCode = await client.call('POST', '/api/v1/account/totp/disable', { code: '000000' });
    expect(wrongCode.status).toBe(401);
    const off = await client.call('POST', '/api/v1/account/totp/disable', {
      code: await freshTotpCode(relay, 'gina', secret),
    });
    expect(off.status).toBe(204);
    expect(await account('gina')).toMatchObject({
      totp_enabled: 0,
      totp_secret: null,
      totp_last_step: null,
    });
    expect(await relay.app.db.selectFrom('recovery_codes').selectAll().execute()).toHaveLength(0);
    expect((await new AuthClient(relay).login('gina', PASSWORD)).body.status).toBe('signed-in');
  });
});
