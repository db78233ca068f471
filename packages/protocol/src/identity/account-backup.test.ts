// The account-key backup: each factor opens its own wrap and nothing else, a changed password
// replaces only the password wrap, and any altered byte or unknown version is refused.
import { beforeAll, describe, expect, test } from 'vitest';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { createAccountIdentity } from './account-identity';
import {
  accountBackupFactors,
  decodeAccountBackup,
  encodeAccountBackup,
  openAccountBackup,
  withAccountBackupWrap,
  wrapAccountIdentity,
  type AccountBackupFactor,
} from './account-backup';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

const password = (): AccountBackupFactor => ({ kind: 'password', exportKey: p.randomBytes(64) });
const passkey = (credentialId: string): Extract<AccountBackupFactor, { kind: 'passkey' }> => ({
  kind: 'passkey',
  credentialId,
  prfSecret: p.randomBytes(32),
});

describe('account-key backup', () => {
  test('the password opens its wrap and yields the same account identity', () => {
    const account = createAccountIdentity(p, 'alice');
    const factor = password();
    const backup = withAccountBackupWrap(null, wrapAccountIdentity(p, { account, factor }));
    const opened = openAccountBackup(p, { backup, factor });
    expect(opened.accountId).toBe('alice');
    expect(opened.accountKey).toEqual(account.accountKey);
    expect(opened.keyPair.secretKey).toEqual(account.keyPair.secretKey);
  });

  test('a wrong export key fails to decrypt; an absent factor has no wrap', () => {
    const account = createAccountIdentity(p, 'alice');
    const backup = withAccountBackupWrap(
      null,
      wrapAccountIdentity(p, { account, factor: password() }),
    );
    expect(codeOf(() => openAccountBackup(p, { backup, factor: password() }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(codeOf(() => openAccountBackup(p, { backup, factor: passkey('cred') }))).toBe(
      'NO_MATCHING_WRAP',
    );
  });

  test('a new password replaces the password wrap and keeps the passkey wraps', () => {
    const account = createAccountIdentity(p, 'alice');
    const old = password();
    const key = passkey('cred-1');
    let backup = withAccountBackupWrap(null, wrapAccountIdentity(p, { account, factor: old }));
    backup = withAccountBackupWrap(backup, wrapAccountIdentity(p, { account, factor: key }));
    const next = password();
    backup = withAccountBackupWrap(backup, wrapAccountIdentity(p, { account, factor: next }));
    expect(accountBackupFactors(backup)).toEqual([
      { kind: 'passkey', factorId: 'cred-1' },
      { kind: 'password', factorId: '' },
    ]);
    expect(codeOf(() => openAccountBackup(p, { backup, factor: old }))).toBe('DECRYPT_FAILED');
    expect(openAccountBackup(p, { backup, factor: next }).accountKey).toEqual(account.accountKey);
    expect(openAccountBackup(p, { backup, factor: key }).accountKey).toEqual(account.accountKey);
  });

  test('a wrap moved to another factor id, or any flipped byte, does not open', () => {
    const account = createAccountIdentity(p, 'alice');
    const key = passkey('cred-1');
    const wrap = wrapAccountIdentity(p, { account, factor: key });
    const moved = encodeAccountBackup([{ ...wrap, factorId: 'cred-2' }]);
    expect(
      codeOf(() =>
        openAccountBackup(p, { backup: moved, factor: { ...key, credentialId: 'cred-2' } }),
      ),
    ).toBe('DECRYPT_FAILED');
    const backup = encodeAccountBackup([wrap]);
    // The ciphertext, the nonce and the salt (which the AD covers).
    for (const index of [
      backup.length - 1,
      backup.length - 30,
      backup.length - 70,
      backup.length - 90,
    ]) {
      const flipped = backup.slice();
      flipped[index]! ^= 1;
      expect(codeOf(() => openAccountBackup(p, { backup: flipped, factor: key }))).toBe(
        'DECRYPT_FAILED',
      );
    }
  });

  test('an unknown version, an empty backup or a short factor secret is refused', () => {
    const account = createAccountIdentity(p, 'alice');
    const backup = encodeAccountBackup([wrapAccountIdentity(p, { account, factor: password() })]);
    const future = backup.slice();
    future[0] = 2;
    expect(codeOf(() => decodeAccountBackup(future))).toBe('UNKNOWN_VERSION');
    expect(codeOf(() => decodeAccountBackup(Uint8Array.of(1, 0)))).toBe('MALFORMED');
    expect(
      codeOf(() =>
        wrapAccountIdentity(p, {
          account,
          factor: { kind: 'password', exportKey: p.randomBytes(16) },
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });
});
