// The envelope edges that mutation testing (pnpm test:mutation) found unpinned: exact bucket and
// size limits, the refusal codes of oversized or malformed input, every error naming the function
// that refused, and a key record that commits to its body even against another recipient.

import { beforeAll, describe, expect, test } from 'vitest';
import { LABEL, VERSION } from '../constants';
import { concatBytes } from '../encoding/bytes';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import type { X25519PublicKey } from '../types';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { makeParty, type TestParty } from '../test-support/parties';
import {
  decodeEnvelopePayload,
  encodeEnvelopePayload,
  type EnvelopePayload,
} from './envelope-payload';
import {
  KEY_RECORD_LENGTH,
  MULTI_SEALED_OVERHEAD,
  openFromMany,
  sealForMany,
} from './multi-sealed-envelope';
import { bucketFor, ENVELOPE_BUCKETS, MAX_ENVELOPE_SIZE, pad, unpad } from './padding';
import { deriveSealKeys, openEnvelope, SEALED_OVERHEAD } from './sealed-envelope';

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

const payload = (body: Uint8Array): EnvelopePayload => ({
  kind: 'group',
  certificate: alice.certificate,
  body,
});

describe('padding limits', () => {
  test('a payload that exactly fills a bucket stays in it; one byte more takes the next', () => {
    for (const overhead of [SEALED_OVERHEAD, MULTI_SEALED_OVERHEAD]) {
      for (const bucket of ENVELOPE_BUCKETS) {
        expect(bucketFor(bucket - overhead - 1, overhead)).toBe(bucket);
      }
      expect(bucketFor(1024 - overhead, overhead)).toBe(2048);
    }
    const error = expectProtocolError(
      () => bucketFor(MAX_ENVELOPE_SIZE - SEALED_OVERHEAD, SEALED_OVERHEAD),
      'TOO_LARGE',
    );
    expect(error.message).toMatch(/^bucketFor:/);
  });

  test('pad needs room for the marker; unpad strips exactly the marker and the zeros', () => {
    expect(pad(Uint8Array.of(7, 7, 7), 4)).toEqual(Uint8Array.of(7, 7, 7, 0x80));
    const error = expectProtocolError(() => pad(Uint8Array.of(7, 7, 7), 3), 'INVALID_ARGUMENT');
    expect(error.message).toMatch(/^pad:/);
    expect(unpad(Uint8Array.of(0x80))).toHaveLength(0);
    expect(unpad(Uint8Array.of(0, 0x80, 0, 0))).toEqual(Uint8Array.of(0));
    for (const bad of [new Uint8Array(0), new Uint8Array(4), Uint8Array.of(0x80, 1)]) {
      expect(expectProtocolError(() => unpad(bad), 'MALFORMED').message).toMatch(/^unpad:/);
    }
  });
});

describe('envelope refusals', () => {
  test('an unknown payload kind is MALFORMED; a wrong version names the decoder', () => {
    const encoded = encodeEnvelopePayload(payload(Uint8Array.of(1)));
    expect(decodeEnvelopePayload(encoded).kind).toBe('group');
    const unknown = encoded.slice();
    unknown[1] = 9;
    const error = expectProtocolError(() => decodeEnvelopePayload(unknown), 'MALFORMED');
    expect(error.message).toBe('decodeEnvelopePayload: unknown kind 9');
    const version = encoded.slice();
    version[0] = 9;
    expect(
      expectProtocolError(() => decodeEnvelopePayload(version), 'UNKNOWN_VERSION').message,
    ).toMatch(/^decodeEnvelopePayload:/);
  });

  test('anything larger than the largest bucket is TOO_LARGE before any work', () => {
    const huge = new Uint8Array(MAX_ENVELOPE_SIZE + 1);
    huge[0] = VERSION.sealedEnvelope;
    const sealed = expectProtocolError(
      () => openEnvelope(p, { identity: bob.device.identity, sealed: huge }),
      'TOO_LARGE',
    );
    expect(sealed.message).toMatch(/^openEnvelope:/);
    huge[0] = VERSION.multiSealedEnvelope;
    const many = expectProtocolError(
      () =>
        openFromMany(p, {
          identity: bob.device.identity,
          body: huge,
          keyRecord: new Uint8Array(KEY_RECORD_LENGTH),
        }),
      'TOO_LARGE',
    );
    expect(many.message).toMatch(/^openFromMany:/);
    // The largest bucket itself is a size the openers accept (it then fails authentication).
    huge.set(carol.device.identity.publicKey, 1);
    expectProtocolError(
      () =>
        openEnvelope(p, {
          identity: bob.device.identity,
          sealed: huge.subarray(0, MAX_ENVELOPE_SIZE).fill(VERSION.sealedEnvelope, 0, 1),
        }),
      'DECRYPT_FAILED',
    );
    huge[0] = VERSION.multiSealedEnvelope;
    expectProtocolError(
      () =>
        openFromMany(p, {
          identity: bob.device.identity,
          body: huge.subarray(0, MAX_ENVELOPE_SIZE),
          keyRecord: new Uint8Array(KEY_RECORD_LENGTH),
        }),
      'DECRYPT_FAILED',
    );
  });

  test('truncation and a short key record name the opener', () => {
    const sealed = sealForMany(p, {
      recipients: [bob.device.identity.publicKey],
      payload: payload(Uint8Array.of(1)),
    });
    const keyRecord = sealed.keyRecords[0]!;
    const short = expectProtocolError(
      () =>
        openFromMany(p, {
          identity: bob.device.identity,
          body: sealed.body,
          keyRecord: keyRecord.subarray(1),
        }),
      'MALFORMED',
    );
    expect(short.message).toMatch(/^openFromMany:/);
    const truncated = expectProtocolError(
      () =>
        openFromMany(p, {
          identity: bob.device.identity,
          body: sealed.body.subarray(0, 10),
          keyRecord,
        }),
      'TRUNCATED',
    );
    expect(truncated.message).toMatch(/^openFromMany:/);
    const single = expectProtocolError(
      () =>
        openEnvelope(p, {
          identity: bob.device.identity,
          sealed: Uint8Array.of(VERSION.sealedEnvelope, 1),
        }),
      'TRUNCATED',
    );
    expect(single.message).toMatch(/^openEnvelope:/);
  });

  test('a recipient cannot re-encrypt another body under the body key for the others', () => {
    // Bob, a recipient, learns the body key from his record and seals a body of his own with it,
    // reusing the ephemeral key. Carol's record commits to the digest of the real body: refused.
    const sealed = sealForMany(p, {
      recipients: [bob.device.identity.publicKey, carol.device.identity.publicKey],
      payload: payload(Uint8Array.of(1, 2, 3)),
    });
    const ephemeral = sealed.body.subarray(1, 33) as X25519PublicKey;
    const mine = deriveSealKeys(p, {
      shared: p.x25519(bob.device.identity.secretKey, ephemeral),
      ephemeral,
      recipient: bob.device.identity.publicKey,
      info: LABEL.multiSealedKey,
    });
    const bodyKey = p.xchachaDecrypt(
      mine.key,
      mine.nonce,
      sealed.keyRecords[0]!,
      concatBytes(mine.ad, p.blake2b(sealed.body)),
    );
    const keys = p.hkdfExpand(bodyKey, LABEL.multiSealedBody, 56);
    const version = Uint8Array.of(VERSION.multiSealedEnvelope);
    const forgedPayload = encodeEnvelopePayload(payload(Uint8Array.of(6, 6, 6)));
    const forged = concatBytes(
      version,
      ephemeral,
      p.xchachaEncrypt(
        keys.subarray(0, 32),
        keys.subarray(32, 56),
        pad(forgedPayload, sealed.body.length - MULTI_SEALED_OVERHEAD),
        version,
      ),
    );
    expectProtocolError(
      () =>
        openFromMany(p, {
          identity: carol.device.identity,
          body: forged,
          keyRecord: sealed.keyRecords[1]!,
        }),
      'DECRYPT_FAILED',
    );
    expect(
      openFromMany(p, {
        identity: carol.device.identity,
        body: sealed.body,
        keyRecord: sealed.keyRecords[1]!,
      }).body,
    ).toEqual(Uint8Array.of(1, 2, 3));
  });
});
