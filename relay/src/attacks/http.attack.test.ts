// Suite 2, relay HTTP (docs/security.md): every route of the relay's route table fed hostile
// requests. 5,000 go through app.inject (the whole stack, a fair share per route) and 500 over the
// listening socket; 95,000 JSON bodies more go straight to the layer that refuses nearly all of
// them — the route's body limit, Fastify's own JSON parser and the route's schema compiled as the
// app compiles it — and the few that pass it are sent through app.inject to reach the handler.
// Every answer must be a success or the relay's JSON error with a 4xx status, never a 500;
// afterwards the relay still answers a health check and a real client.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, signedUp } from '../auth/test-support/auth-client';
import { AJV_OPTIONS } from '../app';
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
  SET_UP_MS,
} from './attack-report';
import { hostileRequest } from './hostile-requests';

// app.inject costs about 1.6 ms of CPU a request on this machine whatever the body (the hooks,
// cookie and session lookup, light-my-request): CI sends 5,000 that way, and 95,000 JSON bodies
// through the refusing layer directly (~0.4 ms each, half of it making the input), so the HTTP API
// gets its 100,000 within the CI budget; soak mode ten times each.
const INJECTED = 5_000 * SOAK_FACTOR;
const DIRECT = 95_000 * SOAK_FACTOR;
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
}, SET_UP_MS);
afterAll(async () => {
  console.log(fuzzTable('Suite 2 — relay HTTP', rows));
  await relay.stop();
});

/** What Fastify answers for a body over the limit and for one its schema refuses. */
const TYPED_413 = JSON.stringify({ statusCode: 413, error: 'Payload Too Large', message: 'x' });
const TYPED_400 = JSON.stringify({ statusCode: 400, error: 'Bad Request', message: 'x' });

type JsonParser = (
  request: object,
  body: string,
  done: (error: (Error & { statusCode?: number }) | null, body?: unknown) => void,
) => void;
type AjvCompilerFactory = () => (
  externalSchemas: object,
  options: typeof AJV_OPTIONS,
) => (route: { schema: unknown; method: string; url: string }) => (body: unknown) => boolean;

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

  it(`refuses ${DIRECT} hostile JSON bodies at the body limit, the JSON parser or the route schema, and answers the rest through app.inject`, async () => {
    const tally: HttpTally = { inputs: 0, typed: 0, accepted: 0, bad: [] };
    const layers = { bodyLimit: 0, parser: 0, schema: 0, handler: 0 };
    const memory = memoryMark();
    // The validator compiler Fastify itself uses, with the app's options (ajv-compiler is
    // Fastify's dependency, not the relay's: resolved from Fastify's own directory).
    const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
    const buildCompiler = (fromFastify('@fastify/ajv-compiler') as AjvCompilerFactory)();
    const compile = buildCompiler({}, AJV_OPTIONS);
    const { bodyLimit, onProtoPoisoning, onConstructorPoisoning } = relay.app.initialConfig;
    const parseJson = relay.app.getDefaultJsonParser(
      onProtoPoisoning ?? 'error',
      onConstructorPoisoning ?? 'error',
    ) as unknown as JsonParser;
    const bodyRoutes = routes
      .filter((r) => r.bodySchema !== undefined && ['POST', 'PUT', 'PATCH'].includes(r.method))
      .map((route) => ({
        route,
        limit: route.bodyLimit ?? bodyLimit!,
        validate: compile({ schema: route.bodySchema, method: route.method, url: route.url }),
      }));
    let n = 0;
    await countingRejections(async (rejections) => {
      for (const seed of fc.sample(fc.integer(), { numRuns: DIRECT * 2, seed: 11 })) {
        if (tally.inputs >= DIRECT) break;
        const { route, limit, validate } = bodyRoutes[n++ % bodyRoutes.length]!;
        const request = hostileRequest(seed, route);
        // Other content types are refused before any parser runs: the app.inject share has them.
        if (request.headers['content-type'] !== 'application/json' || request.payload === undefined)
          continue;
        const raw = request.payload;
        if (Buffer.byteLength(raw) > limit) {
          layers.bodyLimit++;
          judge(tally, 413, TYPED_413, request);
          continue;
        }
        let parsed: { error: (Error & { statusCode?: number }) | null; body: unknown } = {
          error: null,
          body: undefined,
        };
        parseJson({}, typeof raw === 'string' ? raw : raw.toString('utf8'), (error, body) => {
          parsed = { error, body };
        });
        if (parsed.error !== null) {
          layers.parser++;
          const status = parsed.error.statusCode ?? 500;
          judge(
            tally,
            status,
            JSON.stringify({ statusCode: status, error: 'x', message: 'x' }),
            request,
          );
          continue;
        }
        if (!validate(parsed.body)) {
          layers.schema++;
          judge(tally, 400, TYPED_400, request);
          continue;
        }
        // Past the schema: the handler decides, through the whole stack.
        layers.handler++;
        const response = await relay.app.inject({
          method: request.method as 'POST',
          url: request.url,
          headers: {
            ...request.headers,
            origin: relay.origin,
            'x-forwarded-for': address(300_000 + n),
            cookie: cookie!,
          },
          payload: raw,
        });
        judge(tally, response.statusCode, response.body, request);
      }
      rows.push(
        tallyRow(
          `HTTP, refusing layer direct (${bodyRoutes.length} routes with a JSON body): ` +
            `${layers.bodyLimit} at the body limit, ${layers.parser} at the JSON parser, ` +
            `${layers.schema} at the schema, ${layers.handler} on to the handler`,
          tally,
          rejections(),
          memory(),
        ),
      );
      expect(tally.bad.slice(0, 5)).toEqual([]);
      expect(rejections()).toBe(0);
    });
    expect(tally.inputs).toBeGreaterThanOrEqual(DIRECT);
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

  it(
    'still answers a health check and a real client afterwards',
    async () => {
      expect((await fetch(`${relay.baseUrl}/healthz`)).status).toBe(200);
      const client = new AuthClient(relay);
      await signedUp(relay, 'afterwards', PASSWORD);
      const login = await client.login('afterwards', PASSWORD);
      expect(login.status).toBe(200);
      expect((await client.call('GET', '/api/v1/account')).status).toBe(200);
    },
    SET_UP_MS,
  );
});
