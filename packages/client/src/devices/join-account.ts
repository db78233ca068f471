// The second half of every way a browser joins an existing account (addToAccount by password or
// passkey, linking from another device): with a relay session of the account and the account
// identity in hand, this device makes its vault and keys, takes the next free device id, signs a
// device list (counter + 1) naming every device of the account plus itself — the account key is
// what makes contacts and the relay accept that list — and registers.
import { eraseLocalCopy } from '../store/erase-local-copy';
import {
  decodeDeviceList,
  fromBase64Url,
  signDeviceList,
  type AccountIdentity,
} from '@veil/protocol';
import type { VeilDevice } from '../veil-device';

export type JoinStep = 'vault' | 'keys' | 'register';

/**
 * Anything failing after the vault was made deletes this browser's database again, so the next
 * attempt starts clean rather than finding a vault that no relay device stands behind.
 */
export async function joinAccount(
  device: VeilDevice,
  options: {
    account: AccountIdentity;
    /** Creates this browser's vault (password or passkey wrap). */
    openVault: () => Promise<void>;
    deviceName?: string;
    onProgress?: (step: JoinStep) => void;
  },
): Promise<void> {
  const { p } = device.options;
  const { account } = options;
  // The relay's copy of our list is checked against the recovered account key before it is built
  // upon: a list the relay made up never reaches the list this device signs.
  const own = await device.api.ownDevices();
  if (own.deviceList === null) throw new Error('joinAccount: the account has no devices');
  const current = decodeDeviceList(fromBase64Url(own.deviceList));

  options.onProgress?.('vault');
  await options.openVault();
  try {
    await device.ownDevices.accept(account, current);
    options.onProgress?.('keys');
    // Above every id listed or still known to the relay, so a removed device's id is not reused
    // while its sessions may linger at contacts.
    const deviceId =
      Math.max(...current.devices.map((d) => d.deviceId), ...own.devices.map((d) => d.deviceId)) +
      1;
    const upload = await device.keys.initialise({ account, deviceId });
    const identity = await device.keys.identity();
    const deviceList = signDeviceList(p, {
      account,
      counter: current.counter + 1,
      issuedAt: Date.now(),
      devices: [
        ...current.devices,
        {
          deviceId,
          signingKey: identity.device.signing.publicKey,
          identityKey: identity.device.identity.publicKey,
          name: options.deviceName ?? 'This browser',
        },
      ],
    });
    options.onProgress?.('register');
    // Registration binds this relay session to the new device (no separate claim needed).
    await device.api.registerDevice({ certificate: identity.certificate, deviceList, upload });
    await device.ownDevices.accept(account, deviceList);
  } catch (error) {
    device.vault.lock();
    await eraseLocalCopy(device.options.db);
    throw error;
  }
}
