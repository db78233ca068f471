// OPAQUE sign-up and sign-in against a real relay on 127.0.0.1 with a real SQLite file; the test
// plays the browser's half with @serenity-kit/opaque's client.
import * as opaque from '@serenity-kit/opaque';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

let relay: TestRelay;
beforeAll(async () => {
  await opaque.ready;
  relay = await startRelay();
});
afterAll(async () => {
  await relay.stop();
});

async function post(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${relay.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: relay.origin,
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify(body),
  });
}

function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('veil_session='));
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/Secure/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  return cookie!.split(';')[0]!;
}

async function register(username: string, password: string): Promise<Response> {
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({
    password,
  });
  const start = await post('/api/v1/auth/register/start', { username, registrationRequest });
  expect(start.status).toBe(200);
  const { registrationResponse } = (await start.json()) as { registrationResponse: string };
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse,
    password,
  });
  return post('/api/v1/auth/register/finish', { username, registrationRecord });
}

async function login(username: string, password: string): Promise<Response> {
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
  const start = await post('/api/v1/auth/login/start', { username, startLoginRequest });
  expect(start.status).toBe(200);
  const { loginId, loginResponse } = (await start.json()) as {
    loginId: string;
    loginResponse: string;
  };
  const finished = opaque.client.finishLogin({ clientLoginState, loginResponse, password });
  // With a wrong password (or an unknown user) the client itself notices; a real attacker would
  // still send something, so the test sends a syntactically valid request either way.
  const finishLoginRequest = finished?.finishLoginRequest ?? startLoginRequest.padEnd(200, 'A');
  return post('/api/v1/auth/login/finish', { loginId, finishLoginRequest });
}

describe('OPAQUE password authentication', () => {
  it('registers, signs in with a fresh rotated session, and signs out', async () => {
    const registered = await register('Alice', 'correct horse battery staple');
    expect(registered.status).toBe(200);
    expect(await registered.json()).toMatchObject({
      status: 'signed-in',
      account: { username: 'alice' },
    });
    const firstCookie = sessionCookie(registered);

    const signedIn = await login('alice', 'correct horse battery staple');
    expect(signedIn.status).toBe(200);
    const cookie = sessionCookie(signedIn);
    expect(cookie).not.toBe(firstCookie);

    const me = await fetch(`${relay.baseUrl}/api/v1/account`, { headers: { cookie } });
    expect(await me.json()).toMatchObject({ username: 'alice' });
    expect((await post('/api/v1/auth/logout', {}, cookie)).status).toBe(204);
    expect((await fetch(`${relay.baseUrl}/api/v1/account`, { headers: { cookie } })).status).toBe(
      401,
    );
    expect((await fetch(`${relay.baseUrl}/api/v1/account`)).status).toBe(401);
  });

  it('never stores the password, and refuses a taken username', async () => {
    const password = 'PASSWORD-CANARY-91ac';
    expect((await register('bob', password)).status).toBe(200);
    expect((await register('BOB', 'another one entirely')).status).toBe(409);
    const rows = await relay.app.db.selectFrom('accounts').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain('CANARY');
  });

  it('answers a wrong password and an unknown user identically', async () => {
    await register('carol', 'carol has a long password');
    const wrong = await login('carol', 'not the password');
    const unknown = await login('nobody-here', 'whatever it is');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('locks an account after five failures; the right password then fails too', async () => {
    await register('dave', 'dave has a long password');
    for (let i = 0; i < 5; i++) expect((await login('dave', `guess ${i}`)).status).toBe(401);
    const account = await relay.app.db
      .selectFrom('accounts')
      .select(['locked_until'])
      .where('username', '=', 'dave')
      .executeTakeFirstOrThrow();
    expect(account.locked_until).toBeGreaterThan(Date.now());
    expect((await login('dave', 'dave has a long password')).status).toBe(401);
    const activity = await relay.app.db
      .selectFrom('activity_log')
      .innerJoin('accounts', 'accounts.id', 'activity_log.account_id')
      .select('kind')
      .where('username', '=', 'dave')
      .execute();
    expect(activity.map((a) => a.kind)).toContain('locked');
  });

  it('refuses a login state used twice, and cross-site requests', async () => {
    await register('erin', 'erin has a long password');
    const { clientLoginState, startLoginRequest } = opaque.client.startLogin({
      password: 'erin has a long password',
    });
    const start = (await (
      await post('/api/v1/auth/login/start', { username: 'erin', startLoginRequest })
    ).json()) as {
      loginId: string;
      loginResponse: string;
    };
    const finished = opaque.client.finishLogin({
      clientLoginState,
      loginResponse: start.loginResponse,
      password: 'erin has a long password',
    });
    const body = { loginId: start.loginId, finishLoginRequest: finished!.finishLoginRequest };
    expect((await post('/api/v1/auth/login/finish', body)).status).toBe(200);
    expect((await post('/api/v1/auth/login/finish', body)).status).toBe(401);
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

  it('refuses registration when the operator closed it', async () => {
    const closed = await startRelay({ VEIL_REGISTRATION: 'closed' });
    try {
      const response = await fetch(`${closed.baseUrl}/api/v1/auth/register/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'zed', registrationRequest: 'A'.repeat(44) }),
      });
      expect(response.status).toBe(403);
    } finally {
      await closed.stop();
    }
  });
});
