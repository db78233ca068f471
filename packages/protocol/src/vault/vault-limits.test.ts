// The vault edges that mutation testing (pnpm test:mutation) found unpinned: exact limits of
// Argon2id parameters, passwords, table names and row ids, record values and chunk lengths; which
// refusal code each earns, and that every error names the function that refused. Most checks here
// run before any hashing, so the file needs only two Argon2id derivations.

import { beforeAll, describe, expect, test } from 'vitest';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes, toHex } from '../encoding/bytes';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import type { SecretKey } from '../types';
import { createVaultExportWriter } from './vault-export';
import {
  deriveExportKey,
  encodeExportPrefix,
  VAULT_EXPORT_FIRST_CHUNK_BYTES,
  VAULT_EXPORT_MAX_CHUNK_BYTES,
} from './vault-export-format';
import { createVaultImportReader, importVault } from './vault-import';
import {
  unwrapVaultKeyWithPassword,
  unwrapVaultKeyWithSecret,
  vaultWrapKind,
  wrapVaultKeyWithPassword,
  wrapVaultKeyWithSecret,
} from './vault-key';
import {
  checkArgon2idParams,
  checkRowAddress,
  passwordBytes,
  VAULT_ARGON2ID_MAX,
  VAULT_ARGON2ID_MIN,
  VAULT_LIMITS,
} from './vault-params';
import { encodeVaultRecord, readVaultRecords, type VaultRecord } from './vault-record';
import { decryptRow, encryptRow } from './vault-row';

let p: Primitives;
beforeAll(async () => {
  const real = await loadPrimitives();
  // Every file here uses one password, salt and limits: hash once, hand out copies (callers wipe).
  const cache = new Map<string, Uint8Array>();
  p = {
    ...real,
    argon2id(options) {
      const id = [toHex(options.salt), options.params.opsLimit, options.params.memLimit].join();
      const out = cache.get(id) ?? real.argon2id(options);
      cache.set(id, out);
      return out.slice();
    },
  };
});

const password = 'correct horse';
const vaultKey = new Uint8Array(32).fill(5) as SecretKey;

describe('vault parameters', () => {
  test('Argon2id limits: the floor and the ceiling are accepted, one step past either is not', () => {
    for (const params of [VAULT_ARGON2ID_MIN, VAULT_ARGON2ID_MAX]) {
      expect(() => checkArgon2idParams(params, 'test')).not.toThrow();
    }
    const { opsLimit: minOps, memLimit: minMem } = VAULT_ARGON2ID_MIN;
    const { opsLimit: maxOps, memLimit: maxMem } = VAULT_ARGON2ID_MAX;
    for (const params of [
      { opsLimit: minOps - 1, memLimit: minMem },
      { opsLimit: minOps, memLimit: minMem - 1 },
    ]) {
      const error = expectProtocolError(
        () => checkArgon2idParams(params, 'ctx'),
        'WEAK_PARAMETERS',
      );
      expect(error.message).toMatch(/^ctx:/);
    }
    for (const params of [
      { opsLimit: maxOps + 1, memLimit: minMem },
      { opsLimit: minOps, memLimit: maxMem + 1 },
    ]) {
      expect(
        expectProtocolError(() => checkArgon2idParams(params, 'ctx'), 'TOO_LARGE').message,
      ).toMatch(/^ctx:/);
    }
    for (const params of [
      { opsLimit: 2.5, memLimit: minMem },
      { opsLimit: minOps, memLimit: minMem + 0.5 },
    ]) {
      expect(
        expectProtocolError(() => checkArgon2idParams(params, 'ctx'), 'INVALID_ARGUMENT').message,
      ).toMatch(/^ctx:/);
    }
  });

  test('passwords: 1..4096 bytes', () => {
    expect(passwordBytes('x'.repeat(VAULT_LIMITS.maxPasswordBytes), 'ctx')).toHaveLength(
      VAULT_LIMITS.maxPasswordBytes,
    );
    expect(passwordBytes(Uint8Array.of(1), 'ctx')).toEqual(Uint8Array.of(1));
    expect(expectProtocolError(() => passwordBytes('', 'ctx'), 'INVALID_ARGUMENT').message).toMatch(
      /^ctx:/,
    );
    expect(
      expectProtocolError(
        () => passwordBytes('x'.repeat(VAULT_LIMITS.maxPasswordBytes + 1), 'ctx'),
        'TOO_LARGE',
      ).message,
    ).toMatch(/^ctx:/);
  });

  test('table names 1..64 bytes and row ids 1..256 bytes, with the code the caller picks', () => {
    const table = 't'.repeat(VAULT_LIMITS.maxTableBytes);
    const id = 'i'.repeat(VAULT_LIMITS.maxRowIdBytes);
    expect(() => checkRowAddress({ table, id }, 'ctx')).not.toThrow();
    for (const address of [
      { table: '', id: 'a' },
      { table: table + 't', id: 'a' },
      { table: 'a', id: '' },
      { table: 'a', id: id + 'i' },
    ]) {
      expect(
        expectProtocolError(() => checkRowAddress(address, 'ctx'), 'INVALID_ARGUMENT').message,
      ).toMatch(/^ctx:/);
      expectProtocolError(() => checkRowAddress(address, 'ctx', 'MALFORMED'), 'MALFORMED');
    }
  });
});

describe('vault rows and records', () => {
  test('an empty row value round-trips; fewer bytes than a tag are TRUNCATED', () => {
    const row = encryptRow(p, { vaultKey, table: 't', rowId: 'r', plaintext: new Uint8Array(0) });
    expect(decryptRow(p, { vaultKey, table: 't', rowId: 'r', ciphertext: row })).toHaveLength(0);
    const error = expectProtocolError(
      () =>
        decryptRow(p, {
          vaultKey,
          table: 't',
          rowId: 'r',
          ciphertext: row.subarray(0, row.length - 1),
        }),
      'TRUNCATED',
    );
    expect(error.message).toMatch(/^decryptRow:/);
    expect(
      expectProtocolError(
        () => encryptRow(p, { vaultKey, table: '', rowId: 'r', plaintext: row }),
        'INVALID_ARGUMENT',
      ).message,
    ).toMatch(/^encryptRow:/);
    expect(
      expectProtocolError(
        () => decryptRow(p, { vaultKey, table: 't', rowId: '', ciphertext: row }),
        'INVALID_ARGUMENT',
      ).message,
    ).toMatch(/^decryptRow:/);
  });

  test('a record value of the maximum size is framed, one byte more is TOO_LARGE', () => {
    const max = new Uint8Array(VAULT_LIMITS.maxRecordValueBytes);
    const frame = encodeVaultRecord({ table: 't', id: 'i', value: max }, 'ctx');
    const out: VaultRecord[] = [];
    readVaultRecords(new ByteReader(frame, 'ctx'), out, 'ctx');
    expect(out[0]!.value).toHaveLength(max.length);
    const error = expectProtocolError(
      () =>
        encodeVaultRecord({ table: 't', id: 'i', value: new Uint8Array(max.length + 1) }, 'ctx'),
      'TOO_LARGE',
    );
    expect(error.message).toMatch(/^ctx:/);
  });

  test('inside a chunk, a frame cut short or with an empty name is MALFORMED', () => {
    const frame = encodeVaultRecord({ table: 't', id: 'i', value: Uint8Array.of(1, 2, 3) }, 'ctx');
    const cut = expectProtocolError(
      () => readVaultRecords(new ByteReader(frame.subarray(0, frame.length - 1), 'ctx'), [], 'ctx'),
      'MALFORMED',
    );
    expect(cut.message).toMatch(/^ctx:/);
    const empty = new ByteWriter(16).string('').string('i').bytes(Uint8Array.of(1)).finish();
    expectProtocolError(
      () => readVaultRecords(new ByteReader(empty, 'ctx'), [], 'ctx'),
      'MALFORMED',
    );
    // Anything else the reader refuses keeps its own code.
    const tooLong = new ByteWriter(128).string('t'.repeat(VAULT_LIMITS.maxTableBytes + 1)).finish();
    expectProtocolError(
      () => readVaultRecords(new ByteReader(tooLong, 'ctx'), [], 'ctx'),
      'TOO_LARGE',
    );
  });
});

describe('vault key wraps', () => {
  test('kinds: unknown is MALFORMED, the other kind INVALID_ARGUMENT, both before any hashing', () => {
    const secret = new Uint8Array(32).fill(3);
    const bySecret = wrapVaultKeyWithSecret(p, { vaultKey, secret });
    expect(vaultWrapKind(bySecret)).toBe('secret');
    const wrongKind = expectProtocolError(
      () => unwrapVaultKeyWithPassword(p, { wrapped: bySecret, password }),
      'INVALID_ARGUMENT',
    );
    expect(wrongKind.message).toMatch(/^unwrapVaultKeyWithPassword:/);
    const unknown = bySecret.slice();
    unknown[1] = 7;
    expect(expectProtocolError(() => vaultWrapKind(unknown), 'MALFORMED').message).toBe(
      'vaultWrapKind: unknown kind 7',
    );
    expect(
      expectProtocolError(
        () => unwrapVaultKeyWithSecret(p, { wrapped: unknown, secret }),
        'MALFORMED',
      ).message,
    ).toMatch(/^unwrapVaultKeyWithSecret:/);
    const version = bySecret.slice();
    version[0] = 9;
    expect(expectProtocolError(() => vaultWrapKind(version), 'UNKNOWN_VERSION').message).toMatch(
      /^vaultWrapKind:/,
    );
  });

  test('a vault key or secret of the wrong length is refused, naming the function', () => {
    const secret = new Uint8Array(32);
    const short = new Uint8Array(31) as SecretKey;
    for (const [call, name] of [
      [() => wrapVaultKeyWithSecret(p, { vaultKey: short, secret }), 'wrapVaultKeyWithSecret'],
      [
        () => wrapVaultKeyWithSecret(p, { vaultKey, secret: new Uint8Array(33) }),
        'wrapVaultKeyWithSecret',
      ],
      [
        () => wrapVaultKeyWithPassword(p, { vaultKey: short, password }),
        'wrapVaultKeyWithPassword',
      ],
      [
        () =>
          unwrapVaultKeyWithSecret(p, { wrapped: new Uint8Array(90), secret: new Uint8Array(16) }),
        'unwrapVaultKeyWithSecret',
      ],
    ] as const) {
      expect(expectProtocolError(call, 'INVALID_ARGUMENT').message.startsWith(`${name}:`)).toBe(
        true,
      );
    }
    expectProtocolError(
      () =>
        wrapVaultKeyWithPassword(p, { vaultKey, password, params: { opsLimit: 1, memLimit: 1 } }),
      'WEAK_PARAMETERS',
    );
  });
});

describe('vault export file', () => {
  /** A file whose only chunk announces `next` and carries the FINAL tag or not, properly encrypted. */
  function craftedFile(next: number, final: boolean): Uint8Array {
    const salt = new Uint8Array(16).fill(4);
    const prefix = encodeExportPrefix(VAULT_ARGON2ID_MIN, salt);
    const key = deriveExportKey(p, { password, params: VAULT_ARGON2ID_MIN, prefix, salt }, 'test');
    const { header, pusher } = p.streamPush(key);
    return concatBytes(prefix, header, pusher.push(new ByteWriter(4).u32(next).finish(), final));
  }

  test('chunk lengths: shorter than the first chunk or longer than the largest is refused', () => {
    const cases: [number, boolean, string][] = [
      [VAULT_EXPORT_FIRST_CHUNK_BYTES - 1, false, 'MALFORMED'],
      [VAULT_EXPORT_MAX_CHUNK_BYTES + 1, false, 'TOO_LARGE'],
      [0, false, 'MALFORMED'],
      [VAULT_EXPORT_FIRST_CHUNK_BYTES, true, 'MALFORMED'],
    ];
    for (const [next, final, code] of cases) {
      const error = expectProtocolError(
        () => importVault(p, { password, data: craftedFile(next, final) }),
        code as 'MALFORMED',
      );
      expect(error.message).toMatch(/^importVault:/);
    }
    // The boundaries themselves are lengths a reader waits for (the file then ends early).
    for (const next of [VAULT_EXPORT_FIRST_CHUNK_BYTES, VAULT_EXPORT_MAX_CHUNK_BYTES]) {
      expectProtocolError(
        () => importVault(p, { password, data: craftedFile(next, false) }),
        'TRUNCATED',
      );
    }
  });

  test('a finished writer or reader refuses more input', () => {
    const writer = createVaultExportWriter(p, { password, params: VAULT_ARGON2ID_MIN });
    const file = concatBytes(
      ...writer.push({ table: 't', id: 'i', value: Uint8Array.of(1) }),
      ...writer.finish(),
    );
    const again = expectProtocolError(
      () => writer.push({ table: 't', id: 'j', value: Uint8Array.of(2) }),
      'INVALID_ARGUMENT',
    );
    expect(again.message).toMatch(/^vaultExportWriter:/);
    expectProtocolError(() => writer.finish(), 'INVALID_ARGUMENT');

    const reader = createVaultImportReader(p, { password });
    expect(reader.push(file).map((r) => r.id)).toEqual(['i']);
    reader.finish();
    expect(
      expectProtocolError(() => reader.push(new Uint8Array(0)), 'INVALID_ARGUMENT').message,
    ).toMatch(/^vaultImportReader:/);
    const extra = createVaultImportReader(p, { password });
    extra.push(file);
    expect(expectProtocolError(() => extra.push(Uint8Array.of(0)), 'MALFORMED').message).toMatch(
      /^vaultImportReader:/,
    );
  });
});
