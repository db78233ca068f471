import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { fromHex, toHex, utf8 } from '../encoding/bytes';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import type { AccountPublic } from '../identity/account-identity';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { iteratedFingerprint, partyFingerprint } from './party-fingerprint';
import { fingerprintDigits, safetyNumber } from './safety-number';
import { compareSafetyNumberQr, SAFETY_NUMBER_QR_BYTES, safetyNumberQr } from './safety-number-qr';

let p: Primitives;
let alice: AccountPublic;
let bob: AccountPublic;
let mallory: AccountPublic;
beforeAll(async () => {
  p = await loadPrimitives();
  const party = (accountId: string, seedByte: number): AccountPublic => ({
    accountId,
    accountKey: p.ed25519KeyPairFromSeed(new Uint8Array(32).fill(seedByte)).publicKey,
  });
  alice = party('alice', 1);
  bob = party('bob', 2);
  mallory = party('mallory', 3);
});

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

describe("Signal's numeric fingerprint scheme", () => {
  // libsignal's published test vector (NumericFingerprintGeneratorTest / test_fingerprint.c):
  // Curve25519 identity keys with Signal's 0x05 type byte, phone numbers as stable ids, 5200 rounds.
  const signalAlice = {
    encodedKey: fromHex('0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868'),
    stableId: utf8('+14152222222'),
    iterations: 5200,
  };
  const signalBob = {
    encodedKey: fromHex('05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b'),
    stableId: utf8('+14153333333'),
    iterations: 5200,
  };

  test("matches libsignal's displayable and scannable vectors", () => {
    const a = iteratedFingerprint(p, signalAlice);
    const b = iteratedFingerprint(p, signalBob);
    const digits = [fingerprintDigits(a), fingerprintDigits(b)].sort().join('');
    expect(digits).toBe('300354477692869396892869876765458257569162576843440918079131');
    // The 32-byte fingerprints inside libsignal's version-1 scannable fingerprint.
    expect(toHex(a.subarray(0, 32))).toBe(
      '1e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df',
    );
    expect(toHex(b.subarray(0, 32))).toBe(
      'd62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d',
    );
  });

  test('our account fingerprint is the documented formula with key type 0x06', () => {
    const key = Uint8Array.of(0x06, ...alice.accountKey);
    let hash: Buffer = Buffer.concat([Buffer.of(0, 0), key, Buffer.from('alice', 'utf8')]);
    for (let i = 0; i < 5200; i++) hash = createHash('sha512').update(hash).update(key).digest();
    expect(toHex(partyFingerprint(p, alice))).toBe(hash.toString('hex'));
  });
});

describe('safety number', () => {
  test('regression: a pinned value, so the scheme cannot drift silently', () => {
    // Account keys from Ed25519 seeds of 32 × 0x01 and 32 × 0x02; values computed once and frozen.
    expect(toHex(alice.accountKey)).toBe(
      '8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c',
    );
    const number = safetyNumber(p, { local: alice, remote: bob });
    expect(number.digits).toBe('472050659946031021483873417895917126411672281278319480113786');
    expect(toHex(safetyNumberQr(p, { local: alice, remote: bob }))).toBe(
      '01' +
        'ade9db16a05ef5f2ecf4dfef9a46b963b749c6b79610b818b12edc15d47a9430' +
        '500460f6e509ce0da5e7b31a618a6f09738ca2844779cfc9ae9fb5a0daa7ac54',
    );
  });

  test('both sides see the same 60 digits, in 12 groups of 5', () => {
    const mine = safetyNumber(p, { local: alice, remote: bob });
    const theirs = safetyNumber(p, { local: bob, remote: alice });
    expect(theirs).toEqual(mine);
    expect(mine.digits).toMatch(/^[0-9]{60}$/);
    expect(mine.groups).toHaveLength(12);
    expect(mine.groups.join('')).toBe(mine.digits);
    for (const group of mine.groups) expect(group).toMatch(/^[0-9]{5}$/);
  });

  test('changes when either key or either id changes', () => {
    const reference = safetyNumber(p, { local: alice, remote: bob }).digits;
    const variants: [AccountPublic, AccountPublic][] = [
      [{ ...alice, accountKey: mallory.accountKey }, bob],
      [alice, { ...bob, accountKey: mallory.accountKey }],
      [{ ...alice, accountId: 'alicf' }, bob],
      [alice, { ...bob, accountId: 'bob2' }],
    ];
    for (const [local, remote] of variants) {
      expect(safetyNumber(p, { local, remote }).digits).not.toBe(reference);
    }
  });

  test('digits: every 40-bit chunk value maps to five digits, big-endian, mod 100000', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (fingerprint) => {
        const digits = fingerprintDigits(fingerprint);
        expect(digits).toMatch(/^[0-9]{30}$/);
        for (let chunk = 0; chunk < 6; chunk++) {
          const value = BigInt('0x' + toHex(fingerprint.subarray(chunk * 5, chunk * 5 + 5)));
          expect(digits.slice(chunk * 5, chunk * 5 + 5)).toBe(
            String(value % 100000n).padStart(5, '0'),
          );
        }
      }),
    );
    expect(fingerprintDigits(new Uint8Array(64).fill(0xff))).toBe('27775'.repeat(6));
  });

  test('bad account ids and keys are refused', () => {
    expect(codeOf(() => safetyNumber(p, { local: { ...alice, accountId: '' }, remote: bob }))).toBe(
      'INVALID_ARGUMENT',
    );
    const shortKey = { ...bob, accountKey: bob.accountKey.subarray(0, 31) } as AccountPublic;
    expect(codeOf(() => safetyNumber(p, { local: alice, remote: shortKey }))).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('safety number QR', () => {
  test("round trip: each side accepts the other's code", () => {
    const fromAlice = safetyNumberQr(p, { local: alice, remote: bob });
    const fromBob = safetyNumberQr(p, { local: bob, remote: alice });
    expect(fromAlice).toHaveLength(SAFETY_NUMBER_QR_BYTES);
    expect(compareSafetyNumberQr(p, { local: bob, remote: alice, scanned: fromAlice })).toBe(true);
    expect(compareSafetyNumberQr(p, { local: alice, remote: bob, scanned: fromBob })).toBe(true);
  });

  test('own, swapped, foreign and substituted-key codes are refused', () => {
    const fromAlice = safetyNumberQr(p, { local: alice, remote: bob });
    // Alice scanning her own screen (halves in the wrong order).
    expect(compareSafetyNumberQr(p, { local: alice, remote: bob, scanned: fromAlice })).toBe(false);
    // A code Alice made for Mallory, shown to Bob.
    const foreign = safetyNumberQr(p, { local: alice, remote: mallory });
    expect(compareSafetyNumberQr(p, { local: bob, remote: alice, scanned: foreign })).toBe(false);
    // Bob was served Mallory's key under Alice's name: the real Alice's code does not match.
    const substituted = { ...alice, accountKey: mallory.accountKey };
    expect(compareSafetyNumberQr(p, { local: bob, remote: substituted, scanned: fromAlice })).toBe(
      false,
    );
    for (let index = 1; index < SAFETY_NUMBER_QR_BYTES; index += 9) {
      const tampered = fromAlice.slice();
      tampered[index]! ^= 1;
      expect(compareSafetyNumberQr(p, { local: bob, remote: alice, scanned: tampered })).toBe(
        false,
      );
    }
  });

  test('wrong version, truncated and overlong payloads have their codes', () => {
    const code = safetyNumberQr(p, { local: alice, remote: bob });
    const wrongVersion = code.slice();
    wrongVersion[0] = 2;
    const scan = (scanned: Uint8Array) =>
      codeOf(() => compareSafetyNumberQr(p, { local: bob, remote: alice, scanned }));
    expect(scan(wrongVersion)).toBe('UNKNOWN_VERSION');
    expect(scan(code.subarray(0, 64))).toBe('TRUNCATED');
    expect(scan(new Uint8Array(0))).toBe('TRUNCATED');
    expect(scan(Uint8Array.of(...code, 0))).toBe('MALFORMED');
  });
});
