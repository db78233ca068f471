// Ed25519 against outside truth: every Wycheproof ed25519 vector and the RFC 8032 §7.1 answers.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromHex, toHex, utf8 } from '../encoding/bytes';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import {
  describeWycheproof,
  outcomeOf,
  runVectors,
  type WycheproofGroup,
  type WycheproofTest,
} from '../test-support/wycheproof';
import type { Ed25519PublicKey, Ed25519SecretKey } from '../types';
import { loadPrimitives } from './load';

const p = await loadPrimitives();

interface Ed25519Vector extends WycheproofTest {
  readonly msg: string;
  readonly sig: string;
}

interface Ed25519Group extends WycheproofGroup<Ed25519Vector> {
  readonly publicKey: { readonly pk: string };
}

describeWycheproof('Ed25519 Wycheproof vectors', () => {
  test('ed25519_test.json: valid signatures verify, every invalid one is refused', () => {
    const report = runVectors<Ed25519Group>('ed25519_test.json', (vector, group) => {
      const expected = vector.result === 'valid' ? 'verify true' : 'verify false';
      const actual = outcomeOf(() => {
        const publicKey = fromHex(group.publicKey.pk) as Ed25519PublicKey;
        return `verify ${p.verify(publicKey, fromHex(vector.msg), fromHex(vector.sig))}`;
      });
      return { expected, actual };
    });
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(report.announced);
    expect(report.passedByResult.invalid).toBeGreaterThan(0);
  });
});

describe('Ed25519 RFC 8032 §7.1', () => {
  // Secret key seed -> public key -> signature, each compared byte for byte with the RFC.
  test.each([
    {
      name: 'TEST 1',
      seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      message: '',
      signature:
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      name: 'TEST 2',
      seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      message: '72',
      signature:
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
    {
      name: 'TEST 3',
      seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
      publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
      message: 'af82',
      signature:
        '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    },
    {
      name: 'TEST SHA(abc)',
      seed: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
      publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
      // SHA-512("abc"), as the RFC prints it; the next test checks our sha512 gives the same.
      message:
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      signature:
        'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
    },
  ])('$name', ({ seed, publicKey, message, signature }) => {
    const pair = p.ed25519KeyPairFromSeed(fromHex(seed));
    expect(toHex(pair.publicKey)).toBe(publicKey);
    // libsodium's 64-byte secret key is seed || public key.
    expect(toHex(pair.secretKey)).toBe(seed + publicKey);
    const signed = p.sign(pair.secretKey, fromHex(message));
    expect(toHex(signed)).toBe(signature);
    expect(p.verify(pair.publicKey, fromHex(message), signed)).toBe(true);
  });

  test('the TEST SHA(abc) message is SHA-512("abc") as the RFC prints it', () => {
    expect(toHex(p.sha512(utf8('abc')))).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });
});

describe('Ed25519 sign/verify', () => {
  const pair = p.ed25519KeyPair();
  const other = p.ed25519KeyPair();

  test('round trip, and any change of message, signature or key is refused', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (message, at, bit) => {
          const signature = p.sign(pair.secretKey, message);
          expect(p.verify(pair.publicKey, message, signature)).toBe(true);
          expect(p.verify(other.publicKey, message, signature)).toBe(false);

          const badSignature = signature.slice();
          badSignature[at % 64]! ^= 1 << bit;
          expect(p.verify(pair.publicKey, message, badSignature)).toBe(false);

          const badMessage = Uint8Array.of(...message, 0);
          expect(p.verify(pair.publicKey, badMessage, signature)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  test('signatures are deterministic', () => {
    const message = utf8('same message, same signature');
    expect(p.sign(pair.secretKey, message)).toEqual(p.sign(pair.secretKey, message));
  });

  test('wrong-length keys and signatures: verify says false, sign and seeding refuse', () => {
    const message = utf8('m');
    const signature = p.sign(pair.secretKey, message);
    expect(p.verify(pair.publicKey.subarray(0, 31) as Ed25519PublicKey, message, signature)).toBe(
      false,
    );
    expect(p.verify(pair.publicKey, message, signature.subarray(0, 63))).toBe(false);
    expect(p.verify(pair.publicKey, message, Uint8Array.of(...signature, 0))).toBe(false);
    expectProtocolError(
      () => p.sign(pair.secretKey.subarray(0, 32) as Ed25519SecretKey, message),
      'INVALID_ARGUMENT',
    );
    expectProtocolError(() => p.ed25519KeyPairFromSeed(new Uint8Array(31)), 'INVALID_ARGUMENT');
  });
});
