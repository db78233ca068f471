import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { concatBytes, equalBytes, toHex } from '../encoding/bytes';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import { loadSodium } from '../primitives/load';
import { createPrimitives, type Primitives } from '../primitives/primitives';
import { createVaultExportWriter, exportVault, exportVaultStream } from './vault-export';
import {
  VAULT_EXPORT_CHUNK_OVERHEAD,
  VAULT_EXPORT_FIRST_CHUNK_BYTES,
  VAULT_EXPORT_HEADER_BYTES,
} from './vault-export-format';
import { createVaultImportReader, importVault, importVaultStream } from './vault-import';
import { VAULT_ARGON2ID_DEFAULT, VAULT_ARGON2ID_MIN } from './vault-params';
import type { VaultRecord } from './vault-record';

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

/** Argon2id with a cache, so re-reading one file (same salt) does not re-hash each time. */
function withArgon2Cache(p: Primitives): Primitives {
  const cache = new Map<string, Uint8Array>();
  return {
    ...p,
    argon2id(options) {
      const { password, salt, params, length = 32 } = options;
      const id = [toHex(password), toHex(salt), params.opsLimit, params.memLimit, length].join();
      let out = cache.get(id);
      if (out === undefined) {
        out = p.argon2id(options);
        cache.set(id, out);
      }
      return out.slice();
    },
  };
}

let p: Primitives;
/** A fixed salt (test-only randomness), so property tests that export many files hash once. */
let fixedSalt: Primitives;
const password = 'backup password';
const params = VAULT_ARGON2ID_MIN;

const record = (table: string, id: string, size: number, seed = 0): VaultRecord => ({
  table,
  id,
  value: Uint8Array.from({ length: size }, (_, i) => (i * 13 + seed) & 0xff),
});

/** Three 40 KiB records: each fills its own chunk, so the file has chunks 1..3 of equal length. */
const bigRecords = [
  record('messages', 'a', 40_000, 1),
  record('messages', 'b', 40_000, 2),
  record('messages', 'c', 40_000, 3),
];
let bigFile: Uint8Array;
/** Offsets of chunk_1..chunk_3 in bigFile. */
let chunkStarts: number[];
const bigChunkBytes = 2 + 8 + 2 + 1 + 4 + 40_000 + VAULT_EXPORT_CHUNK_OVERHEAD;

function sameRecords(actual: readonly VaultRecord[], expected: readonly VaultRecord[]): void {
  expect(actual.map((r) => [r.table, r.id, r.value.length])).toEqual(
    expected.map((r) => [r.table, r.id, r.value.length]),
  );
  actual.forEach((r, i) => expect(equalBytes(r.value, expected[i]!.value)).toBe(true));
}

beforeAll(async () => {
  const sodium = await loadSodium();
  p = withArgon2Cache(createPrimitives(sodium));
  fixedSalt = withArgon2Cache(
    createPrimitives(sodium, {
      // Only the export salt comes from here (secretstream draws its own nonce inside libsodium).
      dangerousTestOnlyRandom: (n) => new Uint8Array(n).fill(7),
    }),
  );
  bigFile = exportVault(p, { password, params, records: bigRecords });
  const first = VAULT_EXPORT_HEADER_BYTES + VAULT_EXPORT_FIRST_CHUNK_BYTES;
  chunkStarts = [first, first + bigChunkBytes, first + 2 * bigChunkBytes];
});

describe('vault export round trip', () => {
  test('documented header, chunk sizes and round trip', () => {
    expect(new TextDecoder().decode(bigFile.subarray(0, 7))).toBe('VEILVLT');
    expect(bigFile[7]).toBe(1);
    const view = new DataView(bigFile.buffer, bigFile.byteOffset);
    expect(view.getUint32(8)).toBe(params.opsLimit);
    expect(view.getUint32(12)).toBe(params.memLimit);
    expect(VAULT_EXPORT_HEADER_BYTES).toBe(56);
    expect(bigFile.length).toBe(56 + 21 + 3 * bigChunkBytes);
    sameRecords(importVault(p, { password, data: bigFile }), bigRecords);
  });

  test('an empty vault is the header and one 21-byte FINAL chunk', () => {
    const file = exportVault(p, { password, params, records: [] });
    expect(file).toHaveLength(77);
    expect(importVault(p, { password, data: file })).toEqual([]);
  });

  test('default limits are written when none are given', () => {
    const file = exportVault(p, { password, records: [record('t', 'i', 3)] });
    const view = new DataView(file.buffer, file.byteOffset);
    expect([view.getUint32(8), view.getUint32(12)]).toEqual([
      VAULT_ARGON2ID_DEFAULT.opsLimit,
      VAULT_ARGON2ID_DEFAULT.memLimit,
    ]);
    sameRecords(importVault(p, { password, data: file }), [record('t', 'i', 3)]);
  });

  test('any records, any split of the file: the same records in the same order', () => {
    const records = fc.array(
      fc.record({
        table: fc.constantFrom('keys', 'sessions', 'messages', 'contacts', 'outbox', 'tëst'),
        id: fc.string({ minLength: 1, maxLength: 40 }),
        value: fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.integer({ min: 30_000, max: 140_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)),
        ),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(records, fc.array(fc.nat(), { maxLength: 8 }), (list, cuts) => {
        const file = exportVault(fixedSalt, { password, params, records: list });
        const points = [...new Set(cuts.map((c) => c % (file.length + 1)))].sort((a, b) => a - b);
        const reader = createVaultImportReader(fixedSalt, { password });
        const out: VaultRecord[] = [];
        let start = 0;
        for (const point of [...points, file.length]) {
          out.push(...reader.push(file.subarray(start, point)));
          start = point;
        }
        reader.finish();
        sameRecords(out, list);
      }),
      { numRuns: 40 },
    );
  });

  test('stream APIs: async records in, async pieces back', async () => {
    async function* records() {
      for (const r of bigRecords) {
        await Promise.resolve();
        yield r;
      }
    }
    const pieces: Uint8Array[] = [];
    for await (const piece of exportVaultStream(p, { password, params, records: records() })) {
      pieces.push(piece);
    }
    const file = concatBytes(...pieces);
    async function* source() {
      for (let i = 0; i < file.length; i += 10_007) {
        await Promise.resolve();
        yield file.subarray(i, i + 10_007);
      }
    }
    const out: VaultRecord[] = [];
    for await (const r of importVaultStream(p, { password, source: source() })) out.push(r);
    sameRecords(out, bigRecords);
  });

  test('records are validated; a refused record leaves the writer usable', () => {
    const writer = createVaultExportWriter(p, { password, params });
    expect(codeOf(() => writer.push(record('', 'x', 1)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => writer.push(record('t', 'i'.repeat(257), 1)))).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        writer.push({ table: 't', id: 'i', value: new Uint8Array(16 * 1024 * 1024 + 1) }),
      ),
    ).toBe('TOO_LARGE');
    const file = concatBytes(...writer.push(record('t', 'i', 5)), ...writer.finish());
    sameRecords(importVault(p, { password, data: file }), [record('t', 'i', 5)]);
    expect(codeOf(() => writer.push(record('t', 'i', 5)))).toBe('INVALID_ARGUMENT');
  });
});

describe('a wrong, damaged or edited file is refused', () => {
  const importCode = (data: Uint8Array, pw = password) =>
    codeOf(() => importVault(p, { password: pw, data }));

  test('a wrong password is DECRYPT_FAILED', () => {
    expect(importCode(bigFile, 'backup passworD')).toBe('DECRYPT_FAILED');
  });

  test('every flipped bit after the key-deriving prefix is DECRYPT_FAILED', () => {
    const small = exportVault(p, {
      password,
      params,
      records: [record('keys', 'account', 40), record('contacts', 'bob', 7)],
    });
    for (let index = 32; index < small.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = small.slice();
        tampered[index]! ^= 1 << bit;
        expect(importCode(tampered)).toBe('DECRYPT_FAILED');
      }
    }
    fc.assert(
      fc.property(fc.integer({ min: 32, max: bigFile.length - 1 }), fc.nat(7), (index, bit) => {
        const tampered = bigFile.slice();
        tampered[index]! ^= 1 << bit;
        expect(importCode(tampered)).toBe('DECRYPT_FAILED');
      }),
      { numRuns: 100 },
    );
  });

  test('the clear-text prefix: magic and version, limits, salt', () => {
    const edit = (fn: (bytes: Uint8Array, view: DataView) => void) => {
      const copy = bigFile.slice();
      fn(copy, new DataView(copy.buffer));
      return importCode(copy);
    };
    expect(edit((b) => (b[0] = 0x58))).toBe('UNKNOWN_VERSION');
    expect(edit((b) => (b[7] = 2))).toBe('UNKNOWN_VERSION');
    expect(edit((_, v) => v.setUint32(8, 1))).toBe('WEAK_PARAMETERS');
    expect(edit((_, v) => v.setUint32(12, 8 * 1024 * 1024))).toBe('WEAK_PARAMETERS');
    expect(edit((_, v) => v.setUint32(12, 0xffffffff))).toBe('TOO_LARGE');
    expect(edit((_, v) => v.setUint32(8, 3))).toBe('DECRYPT_FAILED');
    expect(edit((b) => (b[20]! ^= 1))).toBe('DECRYPT_FAILED');
    expect(importCode(new Uint8Array(0))).toBe('TRUNCATED');
    expect(importCode(new TextEncoder().encode('PK\u0003\u0004 not a vault'))).toBe(
      'UNKNOWN_VERSION',
    );
  });

  test('a file cut anywhere is TRUNCATED', () => {
    const cuts = new Set<number>([0, 6, 8, 31, 55, 56, 60, 76, 77, bigFile.length - 1]);
    for (const start of chunkStarts) for (const d of [-1, 0, 1, 100]) cuts.add(start + d);
    for (const cut of cuts) expect(importCode(bigFile.subarray(0, cut))).toBe('TRUNCATED');
    fc.assert(
      fc.property(fc.nat(bigFile.length - 1), (cut) => {
        expect(importCode(bigFile.subarray(0, cut))).toBe('TRUNCATED');
      }),
      { numRuns: 100 },
    );
  });

  test('data after the FINAL chunk is MALFORMED', () => {
    expect(importCode(concatBytes(bigFile, Uint8Array.of(0)))).toBe('MALFORMED');
    const reader = createVaultImportReader(p, { password });
    reader.push(bigFile);
    expect(codeOf(() => reader.push(Uint8Array.of(1)))).toBe('MALFORMED');
  });

  test('reordered, dropped or duplicated chunks are refused', () => {
    const [c1, c2, c3] = chunkStarts.map((start) => bigFile.subarray(start, start + bigChunkBytes));
    const head = bigFile.subarray(0, chunkStarts[0]);
    expect(c3!.length).toBe(bigChunkBytes);
    expect(importCode(concatBytes(head, c1!, c2!, c3!))).toBe('none');
    expect(importCode(concatBytes(head, c2!, c1!, c3!))).toBe('DECRYPT_FAILED');
    expect(importCode(concatBytes(head, c1!, c3!, c2!))).toBe('DECRYPT_FAILED');
    expect(importCode(concatBytes(head, c1!, c3!))).toBe('DECRYPT_FAILED');
    expect(importCode(concatBytes(head, c1!, c1!, c2!, c3!))).toBe('DECRYPT_FAILED');
    // Chunks from another export of the same records under the same password.
    const other = exportVault(p, { password, params, records: bigRecords });
    const spliced = concatBytes(head, other.subarray(chunkStarts[0]));
    expect(importCode(spliced)).toBe('DECRYPT_FAILED');
  });

  test('a streamed import that is cut short throws TRUNCATED at the end', async () => {
    async function* source() {
      await Promise.resolve();
      yield bigFile.subarray(0, chunkStarts[2]);
    }
    const seen: string[] = [];
    await expect(async () => {
      for await (const r of importVaultStream(p, { password, source: source() })) seen.push(r.id);
    }).rejects.toMatchObject({ code: 'TRUNCATED' });
    expect(seen).toEqual(['a', 'b']);
  });
});
