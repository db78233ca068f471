// A key memo lets a second reader of the same file skip Argon2id, and only then: the same prefix
// (limits and salt) and the same password. A wrong password never rides on a right one's key.
import { beforeAll, describe, expect, test } from 'vitest';
import { utf8 } from '../encoding/bytes';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { exportVault } from './vault-export';
import { createVaultImportReader, vaultKeyMemo } from './vault-import';
import { VAULT_ARGON2ID_MIN } from './vault-params';

let p: Primitives;
let derivations: number;
beforeAll(async () => {
  const real = await loadPrimitives();
  p = {
    ...real,
    argon2id: (options) => {
      derivations++;
      return real.argon2id(options);
    },
  };
});

const records = [{ table: 'message', id: 'a', value: utf8('hello') }];
const read = (file: Uint8Array, password: string, memo?: ReturnType<typeof vaultKeyMemo>) => {
  const reader = createVaultImportReader(p, { password, ...(memo ? { memo } : {}) });
  const out = reader.push(file);
  reader.finish();
  return out;
};

describe('vault key memo', () => {
  test('a second reading with the same password derives nothing; another password or file does', () => {
    const file = exportVault(p, { password: 'pw', params: VAULT_ARGON2ID_MIN, records });
    const other = exportVault(p, { password: 'pw', params: VAULT_ARGON2ID_MIN, records });
    const memo = vaultKeyMemo(p);
    derivations = 0;
    expect(read(file, 'pw', memo)).toEqual(records);
    expect(read(file, 'pw', memo)).toEqual(records);
    expect(derivations).toBe(1);
    expectProtocolError(() => read(file, 'wrong', memo), 'DECRYPT_FAILED');
    expect(derivations).toBe(2);
    expect(read(other, 'pw', memo)).toEqual(records); // another salt
    expect(derivations).toBe(3);
    memo.wipe();
    expect(read(other, 'pw', memo)).toEqual(records);
    expect(derivations).toBe(4);
  });
});
