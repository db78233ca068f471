// The account-key backup, orchestrated: the relay keeps one opaque blob per account (compare-and-set
// on its version); @veil/protocol makes and opens the wraps inside it. A device that holds the
// account identity writes a wrap for a factor (the password's OPAQUE export key, or a passkey's PRF
// output); a new device opens the wrap of the factor it was given and so becomes a full device of
// the account (docs/protocol.md, "Devices").
import {
  fromBase64Url,
  openAccountBackup,
  toBase64Url,
  withAccountBackupWrap,
  wrapAccountIdentity,
  type AccountBackupFactor,
  type AccountIdentity,
  type Primitives,
} from '@veil/protocol';
import type { AccountApi } from '../relay/account-api';
import { RelayError } from '../relay/relay-http';

/** The factor of a password: OPAQUE's export key (base64url, as @serenity-kit/opaque gives it). */
export function exportKeyFactor(exportKey: string): AccountBackupFactor {
  return { kind: 'password', exportKey: fromBase64Url(exportKey) };
}

/** The account has no backup a factor could open (made before backups existed, or never written). */
export class NoAccountBackupError extends Error {
  readonly code = 'NO_ACCOUNT_BACKUP';
  constructor() {
    super(
      'This account has no key backup yet: open Veil once on a device that already has it, then try again',
    );
  }
}

/**
 * Adds (or replaces) the wrap for `factor` in the relay's backup. Another device may write between
 * our read and our write: the compare-and-set refuses ours, so it reads again and retries.
 */
export async function publishAccountBackup(
  p: Primitives,
  options: { account: AccountApi; identity: AccountIdentity; factor: AccountBackupFactor },
): Promise<void> {
  const wrap = wrapAccountIdentity(p, { account: options.identity, factor: options.factor });
  for (let attempt = 0; ; attempt++) {
    const current = await options.account.keyBackup();
    const backup = withAccountBackupWrap(
      current === null ? null : fromBase64Url(current.backup),
      wrap,
    );
    try {
      await options.account.putKeyBackup(toBase64Url(backup), current?.version ?? 0);
      return;
    } catch (error) {
      const conflict = error instanceof RelayError && error.code === 'RELAY_ERR_KEY_BACKUP_VERSION';
      if (!conflict || attempt >= 2) throw error;
    }
  }
}

/**
 * What a password change sends with its `password/finish`: the backup with a new password wrap,
 * made once the new export key is known. Read before the change starts, so the relay commits the
 * new record and the new backup together, or neither (a version that moved meanwhile).
 */
export async function backupForPasswordChange(
  p: Primitives,
  options: { account: AccountApi; identity: AccountIdentity },
): Promise<(exportKey: string) => { backup: string; expectedVersion: number }> {
  const current = await options.account.keyBackup();
  return (exportKey) => {
    const wrap = wrapAccountIdentity(p, {
      account: options.identity,
      factor: exportKeyFactor(exportKey),
    });
    const backup = withAccountBackupWrap(
      current === null ? null : fromBase64Url(current.backup),
      wrap,
    );
    return { backup: toBase64Url(backup), expectedVersion: current?.version ?? 0 };
  };
}

/** The account identity from the relay's backup, opened with `factor`. */
export async function fetchAccountIdentity(
  p: Primitives,
  options: { account: AccountApi; factor: AccountBackupFactor },
): Promise<AccountIdentity> {
  const current = await options.account.keyBackup();
  if (current === null) throw new NoAccountBackupError();
  return openAccountBackup(p, { backup: fromBase64Url(current.backup), factor: options.factor });
}
