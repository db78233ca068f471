// Argon2id (libsodium crypto_pwhash, version 0x13, one lane): a known answer from libsodium's own
// test suite, determinism, and salt and password sensitivity. Argon2id is slow by design, so the
// interactive parameters are exercised twice only; the other checks use libsodium's minimum cost.

import { describe, expect, test } from 'vitest';
import { fromHex, toHex, utf8 } from '../encoding/bytes';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { loadPrimitives } from './load';
import type { Argon2idParams } from './primitives';
import { SIZES } from './sizes';

const p = await loadPrimitives();

/** libsodium's floor for Argon2id: one pass over 8 KiB. Cheap, and still the full algorithm. */
const CHEAP: Argon2idParams = { opsLimit: 1, memLimit: 8192 };

describe('Argon2id', () => {
  test('known answer: libsodium test/default/pwhash_argon2id.c, tv() case 6', () => {
    // 34-byte password, the first 16 bytes of the listed salt (crypto_pwhash_SALTBYTES), 231
    // bytes of output, opslimit 1, memlimit 1631659 bytes (libsodium rounds down to KiB).
    const out = p.argon2id({
      password: fromHex('b540beb016a5366524d4605156493f9874514a5aa58818cd0c6dfffaa9e90205f17b'),
      salt: fromHex('44071f6d181561670bda728d43fb79b4'),
      params: { opsLimit: 1, memLimit: 1631659 },
      length: 231,
    });
    expect(toHex(out)).toBe(
      '7fb72409b0987f8190c3729710e98c3f80c5a8727d425fdcde7f3644d467fe973f5b5fee683bd3fce812cb9ae5e9921a2d06c2f1905e4e839692f2b934b682f11a2fe2b90482ea5dd234863516dba6f52dc0702d324ec77d860c2e181f84472bd7104fedce071ffa93c5309494ad51623d214447a7b2b1462dc7d5d55a1f6fd5b54ce024118d86f0c6489d16545aaa87b6689dad9f2fb47fda9894f8e12b87d978b483ccd4cc5fd9595cdc7a818452f915ce2f7df95ec12b1c72e3788d473441d884f9748eb14703c21b45d82fd667b85f5b2d98c13303b3fe76285531a826b6fc0fe8e3dddecf',
    );
  });

  test('the interactive parameters are deterministic and give 32 bytes by default', () => {
    const options = {
      password: utf8('correct horse battery staple'),
      salt: new Uint8Array(SIZES.argon2Salt).fill(7),
      params: p.argon2idInteractive,
    };
    const first = p.argon2id(options);
    expect(first).toHaveLength(32);
    expect(p.argon2id(options)).toEqual(first);
  });

  test('a different salt or password gives a different key', () => {
    const password = utf8('hunter2');
    const salt = new Uint8Array(SIZES.argon2Salt);
    const base = p.argon2id({ password, salt, params: CHEAP });
    const otherSalt = salt.slice();
    otherSalt[15] = 1;
    expect(p.argon2id({ password, salt: otherSalt, params: CHEAP })).not.toEqual(base);
    expect(p.argon2id({ password: utf8('hunter3'), salt, params: CHEAP })).not.toEqual(base);
    expect(p.argon2id({ password, salt, params: { ...CHEAP, opsLimit: 2 } })).not.toEqual(base);
  });

  test('the interactive parameters are libsodium INTERACTIVE: 2 passes, 64 MiB', () => {
    expect(p.argon2idInteractive).toEqual({ opsLimit: 2, memLimit: 64 * 1024 * 1024 });
  });

  test.each([15, 17])('a %d-byte salt is INVALID_ARGUMENT', (length) => {
    expectProtocolError(
      () => p.argon2id({ password: utf8('x'), salt: new Uint8Array(length), params: CHEAP }),
      'INVALID_ARGUMENT',
    );
  });

  test.each([
    ['an output under 16 bytes', CHEAP, 15],
    ['zero passes', { ...CHEAP, opsLimit: 0 }, 32],
    ['under 8 KiB of memory', { ...CHEAP, memLimit: 4096 }, 32],
  ])('%s is INVALID_ARGUMENT, not a bare libsodium Error', (_name, params, length) => {
    expectProtocolError(
      () => p.argon2id({ password: utf8('x'), salt: new Uint8Array(16), params, length }),
      'INVALID_ARGUMENT',
    );
  });
});
