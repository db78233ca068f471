// The edges of the vault backup file that the mutation run (docs/security.md, suite 6) found
// unpinned: a chunk_0 that carries records, the 64 KiB batch boundary, a reader that already
// failed, bytes the caller reuses after pushing them, refusals that must come as soon as the bytes
// that decide them arrive, the key memo's password comparison, and that every derived key is wiped.

import { beforeAll, describe, expect, test } from 'vitest';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes, toHex, utf8 } from '../encoding/bytes';
import { loadSodium } from '../primitives/load';
import { createPrimitives, type Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { createVaultExportWriter, exportVault, exportVaultStream } from './vault-export';
import {
  deriveExportKey,
  encodeExportPrefix,
  VAULT_EXPORT_BATCH_BYTES,
  VAULT_EXPORT_CHUNK_OVERHEAD,
  VAULT_EXPORT_FIRST_CHUNK_BYTES,
  VAULT_EXPORT_HEADER_BYTES,
} from './vault-export-format';
import { createVaultImportReader, importVault, vaultKeyMemo } from './vault-import';
import { VAULT_ARGON2ID_MIN } from './vault-params';
import { encodeVaultRecord, type VaultRecord } from './vault-record';
import { decryptRow } from './vault-row';
import type { SecretKey } from '../types';

let real: Primitives;
/** Every salt is this byte repeated (test-only randomness): files share one Argon2id unless changed. */
let saltByte = 7;
/** Argon2id results by (password, salt, limits): each file here is hashed once. */
const hashed = new Map<string, Uint8Array>();
let derivations = 0;
/** Every Argon2id and HKDF output handed out, to check that each was wiped after use. */
let derived: Uint8Array[] = [];
let p: Primitives;

beforeAll(async () => {
  real = createPrimitives(await loadSodium(), {
    dangerousTestOnlyRandom: (n) => new Uint8Array(n).fill(saltByte),
  });
  p = {
    ...real,
    argon2id(options) {
      derivations++;
      const id = [toHex(options.password), toHex(options.salt), options.params.memLimit].join();
      const known = hashed.get(id) ?? real.argon2id(options);
      hashed.set(id, known.slice());
      const out = known.slice();
      derived.push(out);
      return out;
    },
    hkdf(options) {
      const out = real.hkdf(options);
      derived.push(out);
      return out;
    },
  };
});

const password = 'backup password';
const params = VAULT_ARGON2ID_MIN;
const record = (id: string, size: number): VaultRecord => ({
  table: 't',
  id,
  value: new Uint8Array(size).fill(id.charCodeAt(0)),
});
const ids = (records: readonly VaultRecord[]) => records.map((r) => r.id);
const allZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

/** A file of the given chunk plaintexts (each `u32 next || records`), properly encrypted. */
function craftedFile(chunks: readonly { next: number; records?: VaultRecord[] }[]): Uint8Array {
  const salt = new Uint8Array(16).fill(saltByte);
  const prefix = encodeExportPrefix(params, salt);
  const key = deriveExportKey(p, { password, params, prefix, salt }, 'test');
  const { header, pusher } = p.streamPush(key);
  const sealed = chunks.map(({ next, records = [] }) => {
    const frames = records.map((r) => encodeVaultRecord(r, 'test'));
    return pusher.push(concatBytes(new ByteWriter(4).u32(next).finish(), ...frames), next === 0);
  });
  return concatBytes(prefix, header, ...sealed);
}

describe('vault file: chunk layout', () => {
  test('chunk_0 is always 21 bytes: one that carries a record fails to authenticate', () => {
    const inFirst = craftedFile([{ next: 0, records: [record('a', 3)] }]);
    expectProtocolError(() => importVault(p, { password, data: inFirst }), 'DECRYPT_FAILED');
    // The same record in chunk_1 is a valid file.
    const frame = encodeVaultRecord(record('a', 3), 'test');
    const valid = craftedFile([
      { next: frame.length + VAULT_EXPORT_CHUNK_OVERHEAD },
      { next: 0, records: [record('a', 3)] },
    ]);
    expect(ids(importVault(p, { password, data: valid }))).toEqual(['a']);
  });

  test('records fill a chunk up to exactly 64 KiB; one byte more starts the next chunk', () => {
    // A frame is 2 + 1 (table) + 2 + 1 (id) + 4 + value bytes.
    const half = VAULT_EXPORT_BATCH_BYTES / 2 - 10;
    const exact = exportVault(p, {
      password,
      params,
      records: [record('a', half), record('b', half)],
    });
    const start = VAULT_EXPORT_HEADER_BYTES + VAULT_EXPORT_FIRST_CHUNK_BYTES;
    expect(exact).toHaveLength(start + VAULT_EXPORT_BATCH_BYTES + VAULT_EXPORT_CHUNK_OVERHEAD);
    const over = exportVault(p, {
      password,
      params,
      records: [record('a', half), record('b', half + 1)],
    });
    expect(over).toHaveLength(
      start + VAULT_EXPORT_BATCH_BYTES + 1 + 2 * VAULT_EXPORT_CHUNK_OVERHEAD,
    );
    expect(ids(importVault(p, { password, data: over }))).toEqual(['a', 'b']);
  });
});

describe('vault file: the streaming reader', () => {
  let file: Uint8Array;
  beforeAll(() => {
    file = exportVault(p, {
      password,
      params,
      records: [record('a', 40_000), record('b', 40_000)],
    });
  });

  test('a reader that refused a piece refuses everything after it', () => {
    const reader = createVaultImportReader(p, { password });
    // The last byte of chunk_0 (its tag) is flipped; chunk_0 completes with the second piece.
    const cut = VAULT_EXPORT_HEADER_BYTES + VAULT_EXPORT_FIRST_CHUNK_BYTES;
    const tampered = file.slice(0, cut);
    tampered[cut - 1]! ^= 1;
    expect(reader.push(tampered.subarray(0, cut - 10))).toEqual([]);
    expectProtocolError(() => reader.push(tampered.subarray(cut - 10)), 'DECRYPT_FAILED');
    // The caller cannot skip the bad bytes and go on with the rest of the file.
    const again = expectProtocolError(() => reader.push(file.subarray(cut)), 'INVALID_ARGUMENT');
    expect(again.message).toMatch(/^vaultImportReader:/);
    expectProtocolError(() => reader.finish(), 'INVALID_ARGUMENT');
  });

  test('pushed bytes are the reader’s own: the caller may reuse its buffer at once', () => {
    const reader = createVaultImportReader(p, { password });
    const buffer = new Uint8Array(50_000);
    const out: VaultRecord[] = [];
    for (let start = 0; start < file.length; start += buffer.length) {
      const piece = file.subarray(start, start + buffer.length);
      buffer.set(piece);
      out.push(...reader.push(buffer.subarray(0, piece.length)));
      buffer.fill(0xee);
    }
    reader.finish();
    expect(ids(out)).toEqual(['a', 'b']);
    expect(out[1]!.value.every((b) => b === 'b'.charCodeAt(0))).toBe(true);
  });

  test('not a vault, or weakened limits, are refused as soon as the deciding bytes arrive', () => {
    const wrongVersion = concatBytes(utf8('VEILVLT'), Uint8Array.of(2));
    const reader = createVaultImportReader(p, { password });
    expectProtocolError(() => reader.push(wrongVersion), 'UNKNOWN_VERSION');
    const weak = file.slice(0, VAULT_EXPORT_HEADER_BYTES);
    new DataView(weak.buffer).setUint32(8, 1);
    expectProtocolError(
      () => createVaultImportReader(p, { password }).push(weak),
      'WEAK_PARAMETERS',
    );
    // A chunk that is complete is read at once, not when more bytes arrive.
    const empty = exportVault(p, { password, params, records: [] });
    const whole = createVaultImportReader(p, { password });
    whole.push(empty.subarray(0, VAULT_EXPORT_HEADER_BYTES));
    whole.push(empty.subarray(VAULT_EXPORT_HEADER_BYTES));
    // Done: an empty piece after the FINAL chunk is nothing, one more byte is MALFORMED.
    expect(whole.push(new Uint8Array(0))).toEqual([]);
    whole.finish();
  });
});

describe('vault file: derived keys', () => {
  test('the key memo reuses a key only for the very same password, string or bytes', () => {
    const file = exportVault(p, { password, params, records: [record('a', 5)] });
    const memo = vaultKeyMemo(p);
    const read = (pw: string | Uint8Array) => {
      const reader = createVaultImportReader(p, { password: pw, memo });
      const out = reader.push(file);
      reader.finish();
      return ids(out);
    };
    derivations = 0;
    expect(read(password)).toEqual(['a']);
    // Same length, one letter changed: derived again, and wrong.
    expectProtocolError(() => read('backup passworD'), 'DECRYPT_FAILED');
    expect(derivations).toBe(2);
    const bytes = utf8(password);
    expect(read(bytes)).toEqual(['a']);
    expect(read(bytes.slice())).toEqual(['a']);
    expect(derivations).toBe(3);
    memo.wipe();
  });

  test('every Argon2id output and every file key is wiped once used; a memo keeps one until replaced', () => {
    derived = [];
    const file = exportVault(p, { password, params, records: [record('a', 5)] });
    expect(ids(importVault(p, { password, data: file }))).toEqual(['a']);
    expect(derived).toHaveLength(4);
    expect(derived.filter(allZero)).toHaveLength(4);

    saltByte = 8; // another salt: another prefix, so the memo's key is replaced
    const other = exportVault(p, { password, params, records: [record('b', 5)] });
    saltByte = 7;
    const memo = vaultKeyMemo(p);
    derived = [];
    const read = (data: Uint8Array) => {
      const reader = createVaultImportReader(p, { password, memo });
      reader.push(data);
      reader.finish();
    };
    read(file);
    const [stretched, key] = derived;
    expect(allZero(stretched!)).toBe(true);
    expect(allZero(key!)).toBe(false);
    read(other);
    expect(allZero(key!)).toBe(true);
    const held = derived[3]!;
    expect(allZero(held)).toBe(false);
    memo.wipe();
    expect(allZero(held)).toBe(true);
  });
});

describe('vault file: refusals name the function that refused', () => {
  test('import, export and row refusals', async () => {
    const file = exportVault(p, { password, params, records: [record('a', 5)] });
    const imported = (data: Uint8Array, code: 'UNKNOWN_VERSION' | 'MALFORMED' | 'TRUNCATED') =>
      expectProtocolError(() => importVault(p, { password, data }), code).message;
    const named = /^importVault: ./;
    expect(imported(utf8('PK\u0003\u0004 not a vault'), 'UNKNOWN_VERSION')).toMatch(named);
    const version = file.slice();
    version[7] = 2;
    expect(imported(version, 'UNKNOWN_VERSION')).toMatch(named);
    expect(imported(concatBytes(file, Uint8Array.of(0)), 'MALFORMED')).toMatch(named);
    expect(imported(file.subarray(0, file.length - 1), 'TRUNCATED')).toMatch(named);

    const weak = { opsLimit: 1, memLimit: params.memLimit };
    const exported = expectProtocolError(
      () => exportVault(p, { password, params: weak, records: [] }),
      'WEAK_PARAMETERS',
    );
    expect(exported.message).toMatch(/^exportVault: ./);
    await expect(
      exportVaultStream(p, { password, params: weak, records: [] }).next(),
    ).rejects.toThrow(/^exportVaultStream: ./);
    const writer = createVaultExportWriter(p, { password, params });
    const refused = expectProtocolError(
      () => writer.push({ table: '', id: 'x', value: new Uint8Array(1) }),
      'INVALID_ARGUMENT',
    );
    expect(refused.message).toMatch(/^vaultExportWriter\.push: ./);

    const vaultKey = new Uint8Array(32) as SecretKey;
    const row = expectProtocolError(
      () => decryptRow(p, { vaultKey, table: 't', rowId: 'r', ciphertext: Uint8Array.of(9) }),
      'UNKNOWN_VERSION',
    );
    expect(row.message).toMatch(/^decryptRow: ./);
  });
});
