import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import type { SecretKey } from '../types';
import { createVaultKey } from './vault-key';
import { decryptRow, encryptRow, VAULT_ROW_OVERHEAD } from './vault-row';

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

let p: Primitives;
let vaultKey: SecretKey;
beforeAll(async () => {
  p = await loadPrimitives();
  vaultKey = createVaultKey(p);
});

const name = (maxLength: number) =>
  fc.string({ minLength: 1, maxLength }).filter((s) => {
    const length = new TextEncoder().encode(s).length;
    return length >= 1 && length <= maxLength;
  });

describe('vault rows', () => {
  test('round trip for any table, row id and value; the documented overhead', () => {
    fc.assert(
      fc.property(
        name(64),
        name(256),
        fc.uint8Array({ maxLength: 500 }),
        (table, rowId, plaintext) => {
          const ciphertext = encryptRow(p, { vaultKey, table, rowId, plaintext });
          expect(ciphertext).toHaveLength(plaintext.length + VAULT_ROW_OVERHEAD);
          expect(ciphertext[0]).toBe(1);
          expect(decryptRow(p, { vaultKey, table, rowId, ciphertext })).toEqual(plaintext);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a row moved to another table or id, or read with another key, is DECRYPT_FAILED', () => {
    const plaintext = Uint8Array.of(1, 2, 3);
    const ciphertext = encryptRow(p, { vaultKey, table: 'messages', rowId: 'm1', plaintext });
    const attempts = [
      { vaultKey, table: 'contacts', rowId: 'm1' },
      { vaultKey, table: 'messages', rowId: 'm2' },
      { vaultKey: createVaultKey(p), table: 'messages', rowId: 'm1' },
      // Length prefixes keep ("messages", "m1") apart from ("messagesm", "1").
      { vaultKey, table: 'messagesm', rowId: '1' },
    ];
    for (const attempt of attempts) {
      expect(codeOf(() => decryptRow(p, { ...attempt, ciphertext }))).toBe('DECRYPT_FAILED');
    }
  });

  test('every flipped bit is refused; version and truncation have their codes', () => {
    const ciphertext = encryptRow(p, {
      vaultKey,
      table: 'sessions',
      rowId: 'bob:1',
      plaintext: new Uint8Array(20).fill(9),
    });
    const open = (bytes: Uint8Array) =>
      codeOf(() =>
        decryptRow(p, { vaultKey, table: 'sessions', rowId: 'bob:1', ciphertext: bytes }),
      );
    for (let index = 0; index < ciphertext.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = ciphertext.slice();
        tampered[index]! ^= 1 << bit;
        expect(open(tampered)).toBe(index === 0 ? 'UNKNOWN_VERSION' : 'DECRYPT_FAILED');
      }
    }
    expect(open(ciphertext.subarray(0, 10))).toBe('TRUNCATED');
    expect(open(ciphertext.subarray(0, 40))).toBe('TRUNCATED');
    expect(open(ciphertext.subarray(0, 41))).toBe('DECRYPT_FAILED');
    expect(open(new Uint8Array(0))).toBe('TRUNCATED');
  });

  test('empty or oversized table names and row ids are refused', () => {
    const plaintext = Uint8Array.of(1);
    for (const [table, rowId] of [
      ['', 'a'],
      ['t', ''],
      ['t'.repeat(65), 'a'],
      ['t', 'i'.repeat(257)],
    ] as const) {
      expect(codeOf(() => encryptRow(p, { vaultKey, table, rowId, plaintext }))).toBe(
        'INVALID_ARGUMENT',
      );
    }
  });
});
