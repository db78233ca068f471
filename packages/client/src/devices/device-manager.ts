// The account's devices as their owner manages them: the list (each device's name from the signed
// device list, beside the relay's created and last-seen times), rename, remove. Every change is a
// new list signed by the account key with the counter + 1, built on the relay's copy only after
// that copy was verified against the account key and the list this device holds, so the relay can
// neither slip a device in nor bring a removed one back.
// Removing a device: the relay deletes it and ends its sessions (its sockets close with 4003), a
// submission naming it is refused (409, so senders refresh the list and send again without it),
// and contacts verify the new list, so the removed device decrypts nothing sent afterwards. A
// device cannot remove itself here: that is signing out, or deleting the account.
import {
  decodeDeviceList,
  fromBase64Url,
  signDeviceList,
  type DeviceListEntry,
  type Primitives,
  LIMITS,
  utf8,
} from '@veil/protocol';
import type { KeyStore } from '../keys/key-store';
import type { RelayApi } from '../relay/relay-api';
import type { OwnDeviceList } from './own-device-list';

export interface AccountDevice {
  readonly deviceId: number;
  /** The owner's label for it; part of the signed list, so contacts can read it too. */
  readonly name: string;
  /** This browser. */
  readonly current: boolean;
  readonly createdAt: number | null;
  readonly lastSeenAt: number | null;
}

export class DeviceManagerError extends Error {
  constructor(
    readonly code: 'NOT_LISTED' | 'CURRENT_DEVICE' | 'BAD_NAME',
    message: string,
  ) {
    super(message);
    this.name = 'DeviceManagerError';
  }
}

export class DeviceManager {
  constructor(
    private readonly deps: {
      readonly p: Primitives;
      readonly api: RelayApi;
      readonly keys: KeyStore;
      readonly own: OwnDeviceList;
      readonly now?: () => number;
    },
  ) {}

  /** The devices of the verified list, oldest first; the relay's times where it has them. */
  async list(): Promise<AccountDevice[]> {
    const { own, list } = await this.verifiedList();
    const identity = await this.deps.keys.identity();
    const current = identity.device.deviceId;
    const times = new Map(own.devices.map((device) => [device.deviceId, device]));
    return list.devices.map((entry) => ({
      deviceId: entry.deviceId,
      name: entry.name,
      current: entry.deviceId === current,
      createdAt: times.get(entry.deviceId)?.createdAt ?? null,
      lastSeenAt: times.get(entry.deviceId)?.lastSeenAt ?? null,
    }));
  }

  async rename(deviceId: number, newName: string): Promise<void> {
    const name = checkedName(newName);
    await this.change((devices) => {
      listed(devices, deviceId);
      return devices.map((entry) => (entry.deviceId === deviceId ? { ...entry, name } : entry));
    });
  }

  async remove(deviceId: number): Promise<void> {
    const identity = await this.deps.keys.identity();
    if (deviceId === identity.device.deviceId) {
      throw new DeviceManagerError(
        'CURRENT_DEVICE',
        'This is the device you are using: sign out on it instead',
      );
    }
    await this.change((devices) => {
      listed(devices, deviceId);
      return devices.filter((entry) => entry.deviceId !== deviceId);
    });
  }

  /** The relay's copy of the list, verified (signature, account key, no rollback) and kept. */
  private async verifiedList() {
    const own = await this.deps.api.ownDevices();
    const held = await this.deps.own.get();
    if (own.deviceList === null) {
      if (held === undefined) throw new Error('DeviceManager: the account has no device list');
      return { own, list: held };
    }
    const list = decodeDeviceList(fromBase64Url(own.deviceList));
    const { account } = await this.deps.keys.identity();
    await this.deps.own.accept(account, list);
    return { own, list };
  }

  private async change(
    edit: (devices: readonly DeviceListEntry[]) => DeviceListEntry[],
  ): Promise<void> {
    const { list } = await this.verifiedList();
    const { account } = await this.deps.keys.identity();
    const next = signDeviceList(this.deps.p, {
      account,
      counter: list.counter + 1,
      issuedAt: (this.deps.now ?? Date.now)(),
      devices: edit(list.devices),
    });
    await this.deps.api.publishDeviceList(next);
    await this.deps.own.accept(account, next);
  }
}

// C0 and C1 controls: a name is one line of visible text.
const CONTROL_CHARACTER = /\p{Cc}/u;

function checkedName(name: string): string {
  const trimmed = name.trim();
  const bytes = utf8(trimmed).length;
  if (bytes === 0 || bytes > LIMITS.maxDeviceNameBytes || CONTROL_CHARACTER.test(trimmed)) {
    throw new DeviceManagerError(
      'BAD_NAME',
      `A device name is 1 to ${String(LIMITS.maxDeviceNameBytes)} bytes of text on one line`,
    );
  }
  return trimmed;
}

function listed(devices: readonly DeviceListEntry[], deviceId: number): void {
  if (!devices.some((entry) => entry.deviceId === deviceId)) {
    throw new DeviceManagerError('NOT_LISTED', `Device ${String(deviceId)} is not on the list`);
  }
}
