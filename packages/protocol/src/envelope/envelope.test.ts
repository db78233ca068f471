import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { makeParty, type TestParty } from '../test-support/parties';
import { ENVELOPE_BUCKETS, pad, unpad } from './padding';
import { openFromMany, sealForMany } from './multi-sealed-envelope';
import { openEnvelope, sealEnvelope } from './sealed-envelope';
import type { EnvelopePayload } from './envelope-payload';

let p: Primitives;
let alice: TestParty;
let bob: TestParty;
let carol: TestParty;
beforeAll(async () => {
  p = await loadPrimitives();
  alice = makeParty(p, { accountId: 'alice', oneTimeCount: 0 });
  bob = makeParty(p, { accountId: 'bob', oneTimeCount: 0 });
  carol = makeParty(p, { accountId: 'carol', oneTimeCount: 0 });
});

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

const payload = (body: Uint8Array): EnvelopePayload => ({
  kind: 'message',
  certificate: alice.certificate,
  body,
});

describe('padding', () => {
  test('pad/unpad round-trips any payload and refuses bad padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(50), (data, extra) => {
        expect(unpad(pad(data, data.length + 1 + extra))).toEqual(data);
      }),
    );
    expect(codeOf(() => unpad(new Uint8Array(16)))).toBe('MALFORMED');
    expect(codeOf(() => unpad(Uint8Array.of(1, 2, 0x81, 0)))).toBe('MALFORMED');
  });
});

describe('sealed envelope', () => {
  test('only the recipient opens it and learns the sender certificate', () => {
    const body = new Uint8Array(300).fill(7);
    const sealed = sealEnvelope(p, {
      recipient: bob.device.identity.publicKey,
      payload: payload(body),
    });
    const opened = openEnvelope(p, { identity: bob.device.identity, sealed });
    expect(opened.body).toEqual(body);
    expect(opened.kind).toBe('message');
    expect(opened.certificate).toEqual(alice.certificate);
    expect(codeOf(() => openEnvelope(p, { identity: carol.device.identity, sealed }))).toBe(
      'DECRYPT_FAILED',
    );
  });

  test('every envelope has one of the bucket sizes; report how many distinct sizes appear', () => {
    const sizes = new Set<number>();
    for (let length = 0; length < 20_000; length += 97) {
      const sealed = sealEnvelope(p, {
        recipient: bob.device.identity.publicKey,
        payload: payload(new Uint8Array(length)),
      });
      expect(ENVELOPE_BUCKETS).toContain(sealed.length);
      sizes.add(sealed.length);
    }
    console.log(`sealed envelope sizes for bodies of 0..20,000 bytes: ${[...sizes].join(', ')}`);
    expect(sizes.size).toBeLessThanOrEqual(6);
  });

  test('any flipped bit is refused; wrong version and truncation have their codes', () => {
    const sealed = sealEnvelope(p, {
      recipient: bob.device.identity.publicKey,
      payload: payload(new Uint8Array(10)),
    });
    fc.assert(
      fc.property(fc.nat(sealed.length - 1), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const tampered = sealed.slice();
        tampered[index]! ^= mask;
        expect(['DECRYPT_FAILED', 'UNKNOWN_VERSION', 'BAD_KEY']).toContain(
          codeOf(() => openEnvelope(p, { identity: bob.device.identity, sealed: tampered })),
        );
      }),
      { numRuns: 300 },
    );
    const wrong = sealed.slice();
    wrong[0] = 9;
    expect(codeOf(() => openEnvelope(p, { identity: bob.device.identity, sealed: wrong }))).toBe(
      'UNKNOWN_VERSION',
    );
    expect(
      codeOf(() =>
        openEnvelope(p, { identity: bob.device.identity, sealed: sealed.subarray(0, 20) }),
      ),
    ).toBe('TRUNCATED');
    expect(
      codeOf(() =>
        openEnvelope(p, { identity: bob.device.identity, sealed: sealed.subarray(0, 40) }),
      ),
    ).toBe('DECRYPT_FAILED');
  });

  test('an oversized payload is refused', () => {
    expect(
      codeOf(() =>
        sealEnvelope(p, {
          recipient: bob.device.identity.publicKey,
          payload: payload(new Uint8Array(600_000)),
        }),
      ),
    ).toBe('TOO_LARGE');
  });
});

describe('multi-recipient envelope', () => {
  test('one body, one key record per device; each opens only its own', () => {
    const body = new Uint8Array(1500).fill(3);
    const recipients = [bob.device.identity.publicKey, carol.device.identity.publicKey];
    const sealed = sealForMany(p, { recipients, payload: { ...payload(body), kind: 'group' } });
    expect(ENVELOPE_BUCKETS).toContain(sealed.body.length);
    expect(sealed.keyRecords).toHaveLength(2);
    const forBob = openFromMany(p, {
      identity: bob.device.identity,
      body: sealed.body,
      keyRecord: sealed.keyRecords[0]!,
    });
    expect(forBob.body).toEqual(body);
    expect(forBob.kind).toBe('group');
    const forCarol = openFromMany(p, {
      identity: carol.device.identity,
      body: sealed.body,
      keyRecord: sealed.keyRecords[1]!,
    });
    expect(forCarol.body).toEqual(body);
    // Bob cannot use Carol's record, Alice (not a recipient) cannot open either.
    expect(
      codeOf(() =>
        openFromMany(p, {
          identity: bob.device.identity,
          body: sealed.body,
          keyRecord: sealed.keyRecords[1]!,
        }),
      ),
    ).toBe('DECRYPT_FAILED');
    expect(
      codeOf(() =>
        openFromMany(p, {
          identity: alice.device.identity,
          body: sealed.body,
          keyRecord: sealed.keyRecords[0]!,
        }),
      ),
    ).toBe('DECRYPT_FAILED');
  });

  test('a key record does not open another body, and a tampered body is refused', () => {
    const recipients = [bob.device.identity.publicKey];
    const one = sealForMany(p, { recipients, payload: payload(new Uint8Array(5)) });
    const two = sealForMany(p, { recipients, payload: payload(new Uint8Array(5)) });
    expect(
      codeOf(() =>
        openFromMany(p, {
          identity: bob.device.identity,
          body: two.body,
          keyRecord: one.keyRecords[0]!,
        }),
      ),
    ).toBe('DECRYPT_FAILED');
    const tampered = one.body.slice();
    tampered[100]! ^= 1;
    expect(
      codeOf(() =>
        openFromMany(p, {
          identity: bob.device.identity,
          body: tampered,
          keyRecord: one.keyRecords[0]!,
        }),
      ),
    ).toBe('DECRYPT_FAILED');
    expect(
      codeOf(() =>
        openFromMany(p, {
          identity: bob.device.identity,
          body: one.body,
          keyRecord: one.keyRecords[0]!.subarray(1),
        }),
      ),
    ).toBe('MALFORMED');
  });
});
