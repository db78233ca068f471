// The account's sensitive changes, each behind a fresh proof the relay checks (docs/relay.md,
// "Fresh proof"): changing the password (relay and local vault together), turning TOTP off, new
// recovery codes, and deleting the account with everything this device holds of it.
import { eraseLocalCopy } from './store/erase-local-copy';
import { backupForPasswordChange } from './devices/account-backup';
import { RelayError } from './relay/relay-http';
import type { StepUpProof } from './relay/account-api';
import type { VeilDevice } from './veil-device';

/**
 * What the person shows to prove it is still them. An account with a second factor shows that
 * (a TOTP code or a recovery code): the relay does not accept the password alone for it. An
 * account without one shows its password.
 */
export type StepUpFactor =
  | { readonly password: string }
  | { readonly code: string }
  /** A proof already in hand, e.g. from a passkey ceremony the browser ran. */
  | { readonly proof: StepUpProof };

const TOTP_CODE = /^[0-9]{6}$/;

/** Trades the factor for a single-use re-auth token (five minutes, this session only). */
export function freshProof(device: VeilDevice, factor: StepUpFactor): Promise<StepUpProof> {
  if ('proof' in factor) return Promise.resolve(factor.proof);
  if ('password' in factor) {
    return device.account.reauthWithPassword(factor.password, device.options.keyStretching);
  }
  const code = factor.code.trim();
  return device.account.reauthWithCode(TOTP_CODE.test(code) ? { code } : { recoveryCode: code });
}

/**
 * Changes the password on the relay (OPAQUE re-registration) and the vault's password wrap here.
 *
 * The two must never disagree, and neither step can be made atomic with the other, so:
 *  1. the fresh proof first — it changes nothing, and a wrong factor stops here;
 *  2. the new vault wrap is *staged* beside the old one (the slow Argon2id runs now, before the
 *     relay is touched, and from now on either password opens the vault — never neither);
 *  3. the relay re-registration (`password/start`, then `password/finish`, its commit point);
 *  4. the relay answered yes: the staged wrap replaces the old (one atomic IndexedDB write). It
 *     answered no: the staged wrap is dropped, and both sides keep the old password. No answer
 *     (the network failed during finish): both wraps stay, so the person can open history with
 *     whichever password the relay ended up with, and the next relay sign-in (VeilDevice.signIn)
 *     keeps only the wrap of the password the relay accepted.
 * Staging after the relay instead would leave, on a failed local write, a vault that opens only
 * with the old password and a relay that accepts only the new one.
 *
 * The account-key backup follows the same order: its current version is read with the proof, and
 * the wrap for the new export key (known only once OPAQUE finishes on this device) travels in the
 * same `password/finish` the relay commits in one transaction — a backup whose version moved in
 * between refuses the whole change, which then counts as a refusal (the staged wrap is dropped).
 *
 * The relay ends every other session of the account.
 */
export async function changePassword(
  device: VeilDevice,
  options: { factor: StepUpFactor; newPassword: string },
): Promise<void> {
  const proof = await freshProof(device, options.factor);
  const keyBackup = await backupForPasswordChange(device.options.p, {
    account: device.account,
    identity: (await device.keys.identity()).account,
  });
  await device.vault.stagePassword(options.newPassword);
  try {
    await device.account.changePassword({
      proof,
      newPassword: options.newPassword,
      keyBackup,
      ...(device.options.keyStretching === undefined
        ? {}
        : { keyStretching: device.options.keyStretching }),
    });
  } catch (error) {
    // A refusal is certain: the relay still holds the old password. A lost answer is not.
    if (error instanceof RelayError && !error.network) await device.vault.dropStagedPassword();
    throw error;
  }
  await device.vault.commitStagedPassword();
}

export async function disableTotp(device: VeilDevice, factor: StepUpFactor): Promise<void> {
  await device.account.disableTotp(await freshProof(device, factor));
}

/** Ten new recovery codes (shown once); the old ones stop working. */
export async function newRecoveryCodes(
  device: VeilDevice,
  factor: StepUpFactor,
): Promise<string[]> {
  return device.account.newRecoveryCodes(await freshProof(device, factor));
}

/**
 * Deletes the account on the relay (it removes everything it held and frees the username), then
 * this device's database. In that order: a failed relay deletion leaves everything as it was, and
 * once the relay has forgotten the account the local copy could never sign in again anyway.
 */
export async function deleteAccount(device: VeilDevice, factor: StepUpFactor): Promise<void> {
  await device.account.deleteAccount(await freshProof(device, factor));
  device.vault.lock();
  await eraseLocalCopy(device.options.db);
}
