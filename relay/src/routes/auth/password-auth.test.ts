// OPAQUE sign-up and sign-in against a real relay on 127.0.0.1 with a real SQLite file; the test
// plays the browser's half with @serenity-kit/opaque's client. Each test gets its own relay, so the
// per-IP limits on the sign-in routes (10 a minute) apply to one test at a time.
import type { AccountSummary, LoginStartReply } from '@veil/wire';
import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LoginReply, AuthClient, signedUp } from '../../auth/test-support/auth-client';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

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

async function accountRow(username: string) {
  return relay.app.db
    .selectFrom('accounts')
    .selectAll()
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
}

async function activityKinds(username: string): Promise<string[]> {
  const rows = await relay.app.db
    .selectFrom('activity_log')
    .innerJoin('accounts', 'accounts.id', 'activity_log.account_id')
    .select(['kind', 'detail'])
    .where('username', '=', username)
    .orderBy('activity_log.id')
    .execute();
  return rows.map((row) => row.kind);
}

describe('OPAQUE password sign-in', () => {
  it('registers, signs in with a rotated Secure HttpOnly SameSite=Strict cookie, signs out', async () => {
    const client = new AuthClient(relay);
    const registered = await client.register('Alice', 'correct horse battery staple');
    expect(registered).toMatchObject({
      status: 200,
      body: {
        status: 'signed-in',
        account: { username: 'alice', totpEnabled: false, passkeyCount: 0, recoveryCodesLeft: 0 },
      },
    });
    const firstCookie = client.cookie;

    const raw = await fetch(`${relay.baseUrl}/api/v1/auth/login/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: relay.origin },
      body: JSON.stringify({
        username: 'alice',
        startLoginRequest: opaque.client.startLogin({ password: 'x' }).startLoginRequest,
      }),
    });
    expect(raw.headers.get('x-ratelimit-limit')).toBe('10');

    const signedIn = await client.login('ALICE', 'correct horse battery staple');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ status: 'signed-in', account: { username: 'alice' } });
    expect(client.cookie).not.toBeNull();
    expect(client.cookie).not.toBe(firstCookie);
    // The session the browser held before signing in again is gone (rotation).
    const stale = new AuthClient(relay);
    stale.cookie = firstCookie;
    expect((await stale.call<AccountSummary>('GET', '/api/v1/account')).status).toBe(401);

    expect((await client.call<AccountSummary>('GET', '/api/v1/account')).body).toMatchObject({
      username: 'alice',
    });
    const cookie = client.cookie;
    expect((await client.call('POST', '/api/v1/auth/logout')).status).toBe(204);
    expect(client.cookie).toBeNull();
    const after = new AuthClient(relay);
    after.cookie = cookie;
    expect((await after.call<AccountSummary>('GET', '/api/v1/account')).status).toBe(401);
    expect(await activityKinds('alice')).toEqual(['account-created', 'sign-in']);
  });

  it('sets the session cookie with the attributes a browser must enforce', async () => {
    const { registrationRequest } = opaque.client.startRegistration({ password: 'pw' });
    const start = await fetch(`${relay.baseUrl}/api/v1/auth/register/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: relay.origin },
      body: JSON.stringify({ username: 'bob', registrationRequest }),
    });
    expect(start.status).toBe(200);
    const client = new AuthClient(relay);
    await client.register('carol', 'carol has a password');
    const response = await fetch(`${relay.baseUrl}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { origin: relay.origin, cookie: client.cookie! },
    });
    expect(response.status).toBe(204);
    const cleared = response.headers.getSetCookie()[0]!;
    expect(cleared).toMatch(/^veil_session=;/);
    expect(cleared).toMatch(/HttpOnly/i);
    expect(cleared).toMatch(/Secure/i);
    expect(cleared).toMatch(/SameSite=Strict/i);
  });

  it('never stores the password', async () => {
    const password = 'PASSWORD-CANARY-91ac';
    const client = await signedUp(relay, 'bob', password);
    await client.login('bob', password);
    const tables = ['accounts', 'opaque_logins', 'sessions', 'activity_log'] as const;
    for (const table of tables) {
      const rows = await relay.app.db.selectFrom(table).selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain('CANARY');
    }
  });

  it('answers a wrong password, an unknown user and a locked account identically', async () => {
    await signedUp(relay, 'carol', 'carol has a long password');
    const client = new AuthClient(relay);
    const wrong = await client.login('carol', 'not the password');
    const unknown = await client.login('nobody-here', 'whatever it is');
    for (const answer of [wrong, unknown]) {
      expect(answer.start.status).toBe(200);
      expect(Object.keys(answer.start.body).sort()).toEqual(['loginId', 'loginResponse']);
    }
    expect(wrong.start.body.loginResponse.length).toBe(unknown.start.body.loginResponse.length);
    expect(wrong.start.body.loginId.length).toBe(unknown.start.body.loginId.length);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe('RELAY_ERR_INVALID_CREDENTIALS');

    await relay.app.db
      .updateTable('accounts')
      .set({ failed_logins: 5, locked_until: Date.now() + 60_000 })
      .where('username', '=', 'carol')
      .execute();
    const locked = await client.login('carol', 'carol has a long password');
    expect(locked.start.body.loginResponse.length).toBe(unknown.start.body.loginResponse.length);
    expect(locked.status).toBe(401);
    expect(locked.body).toEqual(unknown.body);
  });

  it('locks after five attempts the client abandoned, then refuses even the right password', async () => {
    await signedUp(relay, 'dave', 'dave has a long password');
    const attacker = new AuthClient(relay);
    // A careful attacker never sends the second message: the OPAQUE client already told them.
    for (let i = 0; i < 5; i++) {
      const guess = await attacker.login('dave', `guess ${i}`, 'stop');
      expect(guess.start.status).toBe(200);
    }
    const account = await accountRow('dave');
    expect(account.failed_logins).toBe(5);
    expect(account.locked_until).toBeGreaterThan(Date.now() + 50_000);
    expect(account.locked_until).toBeLessThanOrEqual(Date.now() + 60_000);

    const owner = new AuthClient(relay);
    const refused = await owner.login('dave', 'dave has a long password');
    expect(refused.status).toBe(401);
    expect(owner.cookie).toBeNull();
    // The refused attempt was not even counted (nothing was tried).
    expect((await accountRow('dave')).failed_logins).toBe(5);

    // Time passes: the lock lifts, and the right password signs in and clears the count.
    await relay.app.db
      .updateTable('accounts')
      .set({ locked_until: Date.now() - 1 })
      .where('username', '=', 'dave')
      .execute();
    const later = await owner.login('dave', 'dave has a long password');
    expect(later.status).toBe(200);
    expect(await accountRow('dave')).toMatchObject({ failed_logins: 0, locked_until: null });
    expect(await activityKinds('dave')).toContain('locked');
  });

  it('doubles the lock with each further failure, up to an hour', async () => {
    await signedUp(relay, 'erin', 'erin has a long password');
    await relay.app.db
      .updateTable('accounts')
      .set({ failed_logins: 9 })
      .where('username', '=', 'erin')
      .execute();
    // The tenth failure: 1, 2, 4, 8, 16, then 32 minutes.
    await new AuthClient(relay).login('erin', 'wrong', 'stop');
    const locked = (await accountRow('erin')).locked_until! - Date.now();
    expect(locked).toBeGreaterThan(31 * 60_000);
    expect(locked).toBeLessThanOrEqual(32 * 60_000);
    await relay.app.db
      .updateTable('accounts')
      .set({ failed_logins: 40, locked_until: null })
      .where('username', '=', 'erin')
      .execute();
    await new AuthClient(relay).login('erin', 'wrong', 'stop');
    const capped = (await accountRow('erin')).locked_until! - Date.now();
    expect(capped).toBeGreaterThan(59 * 60_000);
    expect(capped).toBeLessThanOrEqual(60 * 60_000);
  });

  it('logs abandoned attempts once their login state expires', async () => {
    await signedUp(relay, 'frank', 'frank has a long password');
    await new AuthClient(relay).login('frank', 'a wrong guess', 'stop');
    await relay.app.db
      .updateTable('opaque_logins')
      .set({ expires_at: Date.now() - 1 })
      .execute();
    // Any later attempt sweeps expired states.
    await new AuthClient(relay).login('frank', 'frank has a long password');
    expect(await activityKinds('frank')).toEqual(['account-created', 'sign-in-failed', 'sign-in']);
  });

  it('uses a login state once, refuses expired ones and malformed messages', async () => {
    await signedUp(relay, 'gina', 'gina has a long password');
    const client = new AuthClient(relay);
    let replay: { loginId: string; finishLoginRequest: string } | undefined;
    await client.passwordProof({
      password: 'gina has a long password',
      start: (startLoginRequest) =>
        client.call<LoginStartReply>('POST', '/api/v1/auth/login/start', {
          username: 'gina',
          startLoginRequest,
        }),
      finish: (loginId, finishLoginRequest) => {
        replay = { loginId, finishLoginRequest };
        return client.call<LoginReply>('POST', '/api/v1/auth/login/finish', replay);
      },
    });
    expect(client.cookie).not.toBeNull();
    const again = await new AuthClient(relay).call<LoginReply>(
      'POST',
      '/api/v1/auth/login/finish',
      replay,
    );
    expect(again.status).toBe(401);

    const late = new AuthClient(relay);
    const expired = await late.passwordProof({
      password: 'gina has a long password',
      start: async (startLoginRequest) => {
        const answer = await late.call<LoginStartReply>('POST', '/api/v1/auth/login/start', {
          username: 'gina',
          startLoginRequest,
        });
        await relay.app.db
          .updateTable('opaque_logins')
          .set({ expires_at: Date.now() - 1 })
          .execute();
        return answer;
      },
      finish: (loginId, finishLoginRequest) =>
        late.call<LoginReply>('POST', '/api/v1/auth/login/finish', { loginId, finishLoginRequest }),
    });
    expect(expired.status).toBe(401);

    const malformed = await late.call<LoginStartReply>('POST', '/api/v1/auth/login/start', {
      username: 'gina',
      startLoginRequest: 'AAAA',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('RELAY_ERR_MALFORMED_AUTH');
  });

  it('refuses cross-site requests and form posts', async () => {
    const { startLoginRequest } = opaque.client.startLogin({ password: 'x' });
    const crossSite = await fetch(`${relay.baseUrl}/api/v1/auth/login/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ username: 'erin', startLoginRequest }),
    });
    expect(crossSite.status).toBe(403);
    const asForm = await fetch(`${relay.baseUrl}/api/v1/auth/login/start`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: relay.origin },
      body: JSON.stringify({ username: 'erin', startLoginRequest }),
    });
    expect(asForm.status).toBe(415);
  });

  it('limits sign-in attempts to 10 a minute per address', async () => {
    const client = new AuthClient(relay);
    const { startLoginRequest } = opaque.client.startLogin({ password: 'x' });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const answer = await client.call<LoginStartReply>('POST', '/api/v1/auth/login/start', {
        username: 'someone',
        startLoginRequest,
      });
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses[10]).toBe(429);
  });
});
