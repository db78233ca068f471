// Adding this browser to an existing account, with no other device's help: every device is equal,
// so any device can be added by what the account's owner knows. The password (+ the second factor
// the relay asks for) or a passkey signs in and opens the account-key backup; this device then makes
// its own keys, takes the next free device id, and signs a device list (counter + 1) naming every
// device of the account plus itself — the account key it just recovered is what makes contacts and
// the relay accept that list. A passkey-only account's backup is wrapped by that passkey's PRF
// output alone, so it can be added only with the same (synced) passkey.
import { completeSecondFactor, signIn, signOut, type SignInResult } from '../relay/password-auth';
import {
  PasskeyPrfUnsupportedError,
  signInWithPasskey,
  type PasskeyAuthenticator,
} from '../relay/passkey-auth';
import type { VeilDevice } from '../veil-device';
import { exportKeyFactor, fetchAccountIdentity } from './account-backup';
import { joinAccount, type JoinStep } from './join-account';

export type AddDeviceStep = 'sign-in' | 'backup' | JoinStep;

export type AddDeviceFactor =
  | {
      readonly password: string;
      /** Asked only when the relay wants a second factor. */
      readonly secondFactor?: () => Promise<{ code: string } | { recoveryCode: string }>;
    }
  | { readonly authenticator: PasskeyAuthenticator };

export type AddDeviceOptions = AddDeviceFactor & {
  /** Needed with a password; a passkey names its account itself. */
  readonly username?: string;
  readonly deviceName?: string;
  readonly onProgress?: (step: AddDeviceStep) => void;
};

/**
 * Runs the whole addition on `device` (a VeilDevice over an empty database). Anything failing after
 * the vault was made deletes this browser's database again, so the next attempt starts clean rather
 * than finding a vault that no relay device stands behind.
 */
export async function addToAccount(
  device: VeilDevice,
  options: AddDeviceOptions,
): Promise<VeilDevice> {
  const { p, http } = device.options;
  options.onProgress?.('sign-in');
  let openVault: () => Promise<void>;
  let account;
  if ('password' in options) {
    const username = options.username ?? '';
    const result: SignInResult = await signIn(http, {
      username,
      password: options.password,
      ...(device.options.keyStretching === undefined
        ? {}
        : { keyStretching: device.options.keyStretching }),
    });
    if (result.status === 'second-factor') {
      if (options.secondFactor === undefined) {
        throw new Error('VeilDevice.addToAccount: a second factor is needed');
      }
      await completeSecondFactor(http, {
        pendingToken: result.pendingToken,
        ...(await options.secondFactor()),
      });
    }
    options.onProgress?.('backup');
    account = await fetchAccountIdentity(p, {
      account: device.account,
      factor: exportKeyFactor(result.exportKey),
    });
    const password = options.password;
    openVault = () => device.vault.create(password);
  } else {
    const signedIn = await signInWithPasskey(http, options.authenticator);
    const prfSecret = signedIn.prfSecret;
    if (prfSecret === null) {
      await signOut(http);
      throw new PasskeyPrfUnsupportedError();
    }
    options.onProgress?.('backup');
    try {
      account = await fetchAccountIdentity(p, {
        account: device.account,
        factor: { kind: 'passkey', credentialId: signedIn.credentialId, prfSecret },
      });
    } catch (error) {
      p.wipe(prfSecret);
      throw error;
    }
    openVault = async () => {
      try {
        await device.vault.createWithPasskey(signedIn.credentialId, prfSecret);
      } finally {
        p.wipe(prfSecret);
      }
    };
  }

  await joinAccount(device, {
    account,
    openVault,
    ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  return device;
}
