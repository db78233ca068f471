// Hostile HTTP requests for one route of the relay's route table: valid-shaped bodies with wrong
// types, missing and extra fields, huge strings, deep nesting, invalid UTF-8, wrong content types,
// and plain garbage. One 32-bit seed (from fast-check) expands into one request, so a failure names
// its input exactly.
import type { RouteEntry } from '../plugins/app/route-table';

export interface HostileRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload: string | Buffer | undefined;
  readonly kind: string;
}

/** mulberry32, as the protocol fuzzer's: deterministic, one seed per request. */
export function prng(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % Math.max(below, 1)) >>> 0;
  };
}

type Next = (below: number) => number;

const pick = <T>(next: Next, items: readonly T[]): T => items[next(items.length)]!;

const STRINGS = [
  '',
  'a',
  'alice',
  '0',
  '-1',
  'null',
  '../../etc/passwd',
  '\u0000',
  '🔥'.repeat(40),
  'AAAA',
];
const NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.5];

function randomString(next: Next): string {
  const length = next(40);
  let out = '';
  for (let i = 0; i < length; i++)
    out += String.fromCharCode(next(4) === 0 ? next(0xd800) : 32 + next(95));
  return out;
}

/** Any JSON value, nested up to `depth`. */
function wildValue(next: Next, depth: number): unknown {
  switch (next(depth > 0 ? 10 : 7)) {
    case 0:
      return pick(next, STRINGS);
    case 1:
      return randomString(next);
    case 2:
      return pick(next, NUMBERS);
    case 3:
      return next(2) === 0;
    case 4:
      return null;
    case 5:
      // A long string: above most field limits; one in 64 is a megabyte, above the body limit.
      return 'x'.repeat(next(64) === 0 ? 1_200_000 : 1000 + next(8000));
    case 6:
      return Buffer.from(Uint8Array.from({ length: 32 }, () => next(256))).toString('base64url');
    case 7:
      return Array.from({ length: next(5) }, () => wildValue(next, depth - 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = next(4); i > 0; i--)
        out[pick(next, [...STRINGS, '__proto__', 'constructor'])] = wildValue(next, depth - 1);
      return out;
    }
  }
}

function schemaFields(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const record = schema as { properties?: Record<string, unknown>; anyOf?: unknown[] };
  const own = Object.keys(record.properties ?? {});
  const variants = (record.anyOf ?? []).flatMap(schemaFields);
  return [...new Set([...own, ...variants])];
}

/** Fields of the route's schema, some left out, some of the wrong type, maybe one extra. */
function shapedBody(next: Next, route: RouteEntry): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of schemaFields(route.bodySchema)) {
    if (next(5) === 0) continue;
    body[field] = wildValue(next, 2);
  }
  if (next(4) === 0) body[randomString(next) || 'extra'] = wildValue(next, 1);
  return body;
}

function deepNesting(next: Next): string {
  const depth = 500 + next(next(16) === 0 ? 100_000 : 5000);
  return next(2) === 0
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A JSON string holding bytes that are not UTF-8 (lone continuation bytes, an overlong NUL). */
function invalidUtf8(next: Next, route: RouteEntry): Buffer {
  const field = pick(next, [...schemaFields(route.bodySchema), 'x']);
  const bad = pick(next, [
    [0xff],
    [0xc0, 0x80],
    [0x80, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
  ]);
  return Buffer.concat([Buffer.from(`{"${field}":"`), Buffer.from(bad), Buffer.from('"}')]);
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=latin1',
  'application/json',
];

function fillParams(next: Next, url: string): string {
  return url.replace(/:(\w+)/g, () =>
    encodeURIComponent(
      pick(next, ['1', '0', '-1', 'alice', 'bob', '99999999999999999999', randomString(next)]),
    ),
  );
}

export function hostileRequest(seed: number, route: RouteEntry): HostileRequest {
  const next = prng(seed);
  const url =
    fillParams(next, route.url) + (next(8) === 0 ? `?limit=${pick(next, STRINGS)}&after=-5` : '');
  const json = { 'content-type': 'application/json' };
  switch (next(7)) {
    case 0:
    case 1:
      return {
        method: route.method,
        url,
        headers: json,
        payload: JSON.stringify(shapedBody(next, route)),
        kind: 'shaped',
      };
    case 2:
      return {
        method: route.method,
        url,
        headers: json,
        payload: JSON.stringify(wildValue(next, 4)),
        kind: 'garbage JSON',
      };
    case 3:
      return {
        method: route.method,
        url,
        headers: json,
        payload: deepNesting(next),
        kind: 'deep nesting',
      };
    case 4:
      return {
        method: route.method,
        url,
        headers: json,
        payload: invalidUtf8(next, route),
        kind: 'invalid UTF-8',
      };
    case 5:
      return {
        method: route.method,
        url,
        headers: { 'content-type': pick(next, CONTENT_TYPES) },
        payload: JSON.stringify(shapedBody(next, route)),
        kind: 'content type',
      };
    default:
      return {
        method: route.method,
        url,
        headers: json,
        payload: Buffer.from(Uint8Array.from({ length: next(300) }, () => next(256))),
        kind: 'random bytes',
      };
  }
}
