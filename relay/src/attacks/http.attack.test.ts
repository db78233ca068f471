// Suite 2, relay HTTP (docs/security.md): every route of the relay's route table fed hostile
// bodies through the real Fastify app — 100,000 through app.inject (a fair share per route) and a
// sample over the listening socket. Every answer must be a success or the relay's JSON error with
// a 4xx status, never a 500; afterwards the relay still answers a health check and a real client.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, signedUp } from '../auth/test-support/auth-client';
import type { RouteEntry } from '../plugins/app/route-table';
import { startRelay, type TestRelay } from '../test-support/start-relay';
import {
  countingRejections,
  fuzzTable,
  isTypedError,
  memoryMark,
  SOAK_FACTOR,
  tallyRow,
  type FuzzRow,
  type Tally,
} from './attack-report';
import { hostileRequest } from './hostile-requests';

// 25,000 took three and a half minutes on this shared machine: CI runs 10,000, soak mode ten times that.
const INJECTED = 10_000 * SOAK_FACTOR;
const OVER_SOCKET = 500 * SOAK_FACTOR;
const PASSWORD = 'fuzzing password';

let relay: TestRelay;
let routes: RouteEntry[];
const rows: FuzzRow[] = [];
let accounts = 0;
let cookie: string | null = null;

/** A fresh account's session; the fuzzer may sign out or delete the one it had. */
async function freshSession(): Promise<string> {
  const client = await signedUp(relay, `fuzz${accounts++}`, PASSWORD);
  return client.cookie!;
}

/** Each request from its own address (X-Forwarded-For, one trusted hop) so the per-address
 * limits answer 429 only now and then, and the body reaches validation and the handler. */
const address = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

beforeAll(async () => {
  relay = await startRelay({ VEIL_TRUST_PROXY: '1' });
  routes = relay.app.routeTable.filter(
    (r) => r.url.startsWith('/api/') && r.method !== 'HEAD' && r.url !== '/api/v1/socket',
  );
  cookie = await freshSession();
});
afterAll(async () => {
  console.log(fuzzTable('Suite 2 — relay HTTP', rows));
  await relay.stop();
});

type HttpTally = Tally<{ status: number; kind: string; method: string; url: string; body: string }>;

function judge(
  tally: HttpTally,
  status: number,
  body: string,
  request: { kind: string; method: string; url: string },
) {
  tally.inputs++;
  if (status < 400) tally.accepted++;
  else if (isTypedError(status, body)) tally.typed++;
  else tally.bad.push({ status, body: body.slice(0, 200), ...request });
}

describe('suite 2: relay HTTP routes under hostile bodies', () => {
  it('enumerates the API from the route table', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.some((r) => r.url === '/api/v1/messages' && r.method === 'POST')).toBe(true);
  });

  it(`answers ${INJECTED} hostile requests through app.inject with a success or a typed 4xx`, async () => {
    const tally: HttpTally = { inputs: 0, typed: 0, accepted: 0, bad: [] };
    const perRoute = Math.ceil(INJECTED / routes.length);
    const memory = memoryMark();
    let n = 0;
    await countingRejections(async (rejections) => {
      for (const route of routes) {
        // Signed out by an earlier route (logout, session or account deletion)? Sign in afresh.
        const probe = await relay.app.inject({
          method: 'GET',
          url: '/api/v1/account',
          headers: { cookie: cookie! },
        });
        if (probe.statusCode === 401) cookie = await freshSession();
        const seeds = fc.sample(fc.integer(), { numRuns: perRoute, seed: n });
        for (const seed of seeds) {
          const request = hostileRequest(seed, route);
          const withBody = request.method !== 'GET' && request.method !== 'DELETE';
          const response = await relay.app.inject({
            method: request.method as 'POST',
            url: request.url,
            headers: {
              ...request.headers,
              origin: relay.origin,
              'x-forwarded-for': address(n++),
              ...(seed % 4 === 0 ? {} : { cookie: cookie! }),
            },
            ...(withBody && request.payload !== undefined ? { payload: request.payload } : {}),
          });
          judge(tally, response.statusCode, response.body, request);
        }
      }
      rows.push(
        tallyRow(`HTTP, app.inject (${routes.length} routes)`, tally, rejections(), memory()),
      );
      expect(tally.bad.slice(0, 5)).toEqual([]);
      expect(rejections()).toBe(0);
    });
    expect(tally.inputs).toBeGreaterThanOrEqual(INJECTED);
  }, 1_800_000);

  it(`answers ${OVER_SOCKET} hostile requests over the listening socket the same way`, async () => {
    const tally: HttpTally = { inputs: 0, typed: 0, accepted: 0, bad: [] };
    const memory = memoryMark();
    await countingRejections(async (rejections) => {
      const seeds = fc.sample(fc.integer(), { numRuns: OVER_SOCKET, seed: 7 });
      for (const [i, seed] of seeds.entries()) {
        const route = routes[i % routes.length]!;
        const request = hostileRequest(seed, route);
        const withBody = request.method !== 'GET' && request.method !== 'DELETE';
        const response = await fetch(`${relay.baseUrl}${request.url}`, {
          method: request.method,
          headers: {
            ...request.headers,
            origin: relay.origin,
            'x-forwarded-for': address(200_000 + i),
            cookie: cookie!,
          },
          ...(withBody && request.payload !== undefined ? { body: request.payload } : {}),
        });
        judge(tally, response.status, await response.text(), request);
      }
      rows.push(tallyRow('HTTP, listening socket', tally, rejections(), memory()));
      expect(tally.bad.slice(0, 5)).toEqual([]);
      expect(rejections()).toBe(0);
    });
  }, 600_000);

  it('still answers a health check and a real client afterwards', async () => {
    expect((await fetch(`${relay.baseUrl}/healthz`)).status).toBe(200);
    const client = new AuthClient(relay);
    await signedUp(relay, 'afterwards', PASSWORD);
    const login = await client.login('afterwards', PASSWORD);
    expect(login.status).toBe(200);
    expect((await client.call('GET', '/api/v1/account')).status).toBe(200);
  });
});
