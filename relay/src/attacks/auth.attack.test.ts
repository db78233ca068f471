// Suite 5, authentication abuse (docs/security.md): credential stuffing, TOTP brute force and
// replay, WebAuthn negatives, session fixation, CSRF on every state-changing route of the route
// table, cross-site WebSocket hijacking, and unknown vs known usernames. Single cases live next to
// their routes (password-auth, totp, passkeys, socket tests); this suite runs them as campaigns
// and prints a table: attack, attempts, refused.
import * as opaque from '@serenity-kit/opaque';
import type { LoginStartReply } from '@veil/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, signedUp } from '../auth/test-support/auth-client';
import {
  addPasskey,
  enableTotp,
  freshTotpCode,
  signInWithPasskey,
} from '../auth/test-support/factors';
import { registeredDevice } from '../keys/test-support/device-client';
import { sessionCookieName } from '../sessions/session-token';
import { openSocket } from '../socket/test-support/socket-client';
import { startRelay, type TestRelay } from '../test-support/start-relay';
import { attackTable, SET_UP_MS, SOAK_FACTOR, type AttackRow } from './attack-report';

const PASSWORD = 'the owner’s real password';
const FOREIGN = 'https://evil.example';
const TIMING_TRIALS = 60 * SOAK_FACTOR;

let relay: TestRelay;
const rows: AttackRow[] = [];
let nextAddress = 1;
/** A client at an address of its own (the relay trusts one proxy hop in this suite). */
const fromNewAddress = (): AuthClient =>
  new AuthClient(relay, {
    'x-forwarded-for': `10.9.${(nextAddress >> 8) & 255}.${nextAddress++ & 255}`,
  });

function record(attack: string, outcomes: readonly boolean[]): void {
  rows.push({ attack, attempts: outcomes.length, refused: outcomes.filter(Boolean).length });
  expect(outcomes.every(Boolean), attack).toBe(true);
}

async function lockedUntil(username: string): Promise<number | null> {
  const row = await relay.app.db
    .selectFrom('accounts')
    .select('locked_until')
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
  return row.locked_until;
}

beforeAll(async () => {
  await opaque.ready;
  relay = await startRelay({ VEIL_TRUST_PROXY: '1' });
}, SET_UP_MS);
afterAll(async () => {
  console.log(attackTable('Suite 5 — authentication abuse', rows));
  await relay.stop();
});

describe('suite 5: authentication abuse', { timeout: 300_000 }, () => {
  it('credential stuffing from one address runs into the per-address limit', async () => {
    const attacker = fromNewAddress();
    const outcomes: boolean[] = [];
    let limited = 0;
    for (let i = 0; i < 30; i++) {
      const answer = await attacker.login(`user${i % 7}`, `leaked password ${i}`, 'stop');
      if (answer.start.status === 429) limited++;
      outcomes.push(answer.status !== 200);
    }
    record('credential stuffing, one address (login limit 10/min)', outcomes);
    expect(limited).toBeGreaterThanOrEqual(20);
  });

  it('credential stuffing from many addresses locks the password, never the passkey', async () => {
    const owner = await signedUp(relay, 'victim', PASSWORD);
    const reauth = await owner.reauthWithPassword(PASSWORD);
    const soft = await addPasskey(owner, { reauthToken: reauth.body.reauthToken });
    const outcomes: boolean[] = [];
    for (let i = 0; i < 25; i++) {
      const answer = await fromNewAddress().login('victim', `leaked password ${i}`, 'send-garbage');
      outcomes.push(answer.status === 401);
    }
    expect(await lockedUntil('victim')).toBeGreaterThan(Date.now());
    // Locked: even the right password is refused, exactly like a wrong one ...
    const right = await fromNewAddress().login('victim', PASSWORD);
    outcomes.push(right.status === 401 && right.body.code === 'RELAY_ERR_INVALID_CREDENTIALS');
    record('credential stuffing, 25 addresses, then the right password', outcomes);
    // ... but the owner's passkey still signs in: the attacker cannot lock the owner out.
    const { answer } = await signInWithPasskey(relay, soft, {}, fromNewAddress());
    expect(answer.status).toBe(200);
  });

  it('refuses TOTP brute force with the password known, and replayed codes', async () => {
    const owner = await signedUp(relay, 'totpvictim', PASSWORD);
    const { secret } = await enableTotp(owner, PASSWORD);
    // Replay: a code that signed in once is refused for a second sign-in in the same step.
    const code = await freshTotpCode(relay, 'totpvictim', secret);
    const replays: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const browser = fromNewAddress();
      const pending = await browser.login('totpvictim', PASSWORD);
      expect(pending.body.status).toBe('second-factor');
      const answer = await browser.call('POST', '/api/v1/auth/login/second-factor', {
        pendingToken: pending.body.pendingToken,
        code,
      });
      if (i === 0) expect(answer.status).toBe(200);
      else replays.push(answer.status === 401);
    }
    record('TOTP replay of a spent code', replays);

    // Brute force: the attacker holds the password and guesses codes on fresh pending logins.
    const guesses: boolean[] = [];
    for (let i = 0; i < 12; i++) {
      const browser = fromNewAddress();
      const pending = await browser.login('totpvictim', PASSWORD);
      if (pending.body.status !== 'second-factor') {
        guesses.push(pending.status === 401); // locked: the password step refuses
        continue;
      }
      const guess = String(100_000 + i * 7919).slice(-6);
      const answer = await browser.call('POST', '/api/v1/auth/login/second-factor', {
        pendingToken: pending.body.pendingToken,
        code: guess,
      });
      guesses.push(answer.status === 401);
    }
    expect(await lockedUntil('totpvictim')).toBeGreaterThan(Date.now());
    record('TOTP brute force (password known)', guesses);
  });

  it('refuses WebAuthn assertions bent every way', async () => {
    const owner = await signedUp(relay, 'passkeyowner', PASSWORD);
    const reauth = await owner.reauthWithPassword(PASSWORD);
    const soft = await addPasskey(owner, { reauthToken: reauth.body.reauthToken });
    const good = await signInWithPasskey(relay, soft, {}, fromNewAddress());
    expect(good.answer.status).toBe(200);
    const bends = [
      { origin: FOREIGN },
      { origin: 'http://127.0.0.1:8080.evil.example' },
      { rpId: 'evil.example' },
      { userVerified: false },
      { counter: 0 }, // went back from the count the relay stored
    ];
    const outcomes: boolean[] = [];
    for (const bend of bends) {
      const { answer } = await signInWithPasskey(relay, soft, bend, fromNewAddress());
      outcomes.push(answer.status === 401);
    }
    // The accepted assertion, replayed: its challenge is spent.
    const replay = await fromNewAddress().call('POST', '/api/v1/auth/passkey/verify', good.body);
    outcomes.push(replay.status === 401);
    // Another relay's challenge id.
    const wrongChallenge = await fromNewAddress().call('POST', '/api/v1/auth/passkey/verify', {
      ...good.body,
      challengeId: 'A'.repeat(43),
    });
    outcomes.push(wrongChallenge.status === 401);
    record(
      'WebAuthn: wrong origin/rpId, no UV, counter regression, replay, wrong challenge',
      outcomes,
    );
  });

  it('does not accept a session token planted before sign-in, and rotates at each sign-in', async () => {
    await signedUp(relay, 'fixation', PASSWORD);
    const name = sessionCookieName(relay.origin);
    const planted = `${name}=${'P'.repeat(43)}`;
    const browser = fromNewAddress();
    browser.cookie = planted;
    expect((await browser.login('fixation', PASSWORD)).status).toBe(200);
    const outcomes: boolean[] = [browser.cookie !== planted];
    const stranger = fromNewAddress();
    stranger.cookie = planted;
    outcomes.push((await stranger.call('GET', '/api/v1/account')).status === 401);
    // Rotation: a second sign-in from the same browser ends the first session.
    const first = browser.cookie;
    expect((await browser.login('fixation', PASSWORD)).status).toBe(200);
    outcomes.push(browser.cookie !== first);
    const old = fromNewAddress();
    old.cookie = first;
    outcomes.push((await old.call('GET', '/api/v1/account')).status === 401);
    record('session fixation and rotation', outcomes);
  });

  it('refuses cross-site requests on every state-changing route of the route table', async () => {
    const victim = await signedUp(relay, 'csrfvictim', PASSWORD);
    const routes = relay.app.routeTable.filter(
      (r) => r.url.startsWith('/api/') && !['GET', 'HEAD', 'OPTIONS'].includes(r.method),
    );
    expect(routes.length).toBeGreaterThan(25);
    const outcomes: boolean[] = [];
    const bodies: [string, Record<string, string>, string][] = [
      ['foreign Origin, JSON', { origin: FOREIGN, 'content-type': 'application/json' }, '{}'],
      ['Origin "null", JSON', { origin: 'null', 'content-type': 'application/json' }, '{}'],
      ['no Origin, text/plain', { 'content-type': 'text/plain' }, '{}'],
      ['no Origin, form', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1'],
      ['no Origin, multipart', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
    ];
    for (const route of routes) {
      const url = route.url.replace(/:(\w+)/g, '1');
      for (const [, headers, body] of bodies) {
        const response = await fetch(`${relay.baseUrl}${url}`, {
          method: route.method,
          headers: { ...headers, cookie: victim.cookie!, 'x-forwarded-for': '10.8.0.1' },
          body,
        });
        const refused = response.status >= 400 && response.status < 500;
        if (!refused) console.log('not refused:', route.method, url, headers, response.status);
        outcomes.push(refused);
      }
    }
    record(
      `CSRF: ${routes.length} routes × foreign/null Origin, text/plain, form, multipart`,
      outcomes,
    );
    // The victim's session survived all of it.
    expect((await victim.call('GET', '/api/v1/account')).status).toBe(200);
  });

  it('refuses WebSocket upgrades from foreign origins (cross-site WebSocket hijacking)', async () => {
    const { client } = await registeredDevice(relay, 'wsvictim');
    const origins = [
      FOREIGN,
      'null',
      'http://127.0.0.1:8080.evil.example',
      'https://127.0.0.1:8080',
      'http://127.0.0.1:8081',
      'http://localhost:8080',
    ];
    const outcomes: boolean[] = [];
    for (const origin of origins) {
      const opened = await openSocket(client, { origin }).then(
        async (socket) => {
          await socket.close();
          return true;
        },
        () => false,
      );
      outcomes.push(!opened);
    }
    record('cross-site WebSocket hijacking (foreign Origin upgrade)', outcomes);
    const own = await openSocket(client);
    await own.close();
  });

  it('runs the same OPAQUE path for unknown and known usernames (timing reported)', async () => {
    await signedUp(relay, 'known', PASSWORD);
    const { startLoginRequest } = opaque.client.startLogin({ password: 'guess' });
    const timings = { known: [] as number[], unknown: [] as number[] };
    const lengths = { known: new Set<number>(), unknown: new Set<number>() };
    for (let i = 0; i < TIMING_TRIALS; i++) {
      for (const kind of i % 2 === 0
        ? (['known', 'unknown'] as const)
        : (['unknown', 'known'] as const)) {
        const client = fromNewAddress();
        const started = performance.now();
        const answer = await client.call<LoginStartReply>('POST', '/api/v1/auth/login/start', {
          username: kind === 'known' ? 'known' : `nobody${i}`,
          startLoginRequest,
        });
        timings[kind].push(performance.now() - started);
        expect(answer.status).toBe(200);
        lengths[kind].add(Buffer.from(answer.body.loginResponse, 'base64url').length);
      }
    }
    // Same work: both answer with a full OPAQUE KE2 of one length (the fake record runs the same
    // server code). No threshold on the times: they are reported, never asserted.
    expect([...lengths.known]).toEqual([...lengths.unknown]);
    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
      return { median: at(0.5), p90: at(0.9) };
    };
    const known = stats(timings.known);
    const unknown = stats(timings.unknown);
    console.log(
      [
        `Suite 5 — login/start timing over ${TIMING_TRIALS} trials each`,
        '| username | median | p90 |',
        '|---|---:|---:|',
        `| known | ${known.median.toFixed(2)} ms | ${known.p90.toFixed(2)} ms |`,
        `| unknown | ${unknown.median.toFixed(2)} ms | ${unknown.p90.toFixed(2)} ms |`,
        `| difference | ${(unknown.median - known.median).toFixed(2)} ms | ${(unknown.p90 - known.p90).toFixed(2)} ms |`,
      ].join('\n'),
    );
    rows.push({
      attack: 'username enumeration by login/start (same KE2 length)',
      attempts: TIMING_TRIALS * 2,
      refused: TIMING_TRIALS * 2,
    });
  });
});
