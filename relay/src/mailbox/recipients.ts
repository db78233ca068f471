// Resolves a submission's recipients (username, device id) to mailbox addresses. Every device must
// exist; otherwise the whole submission is refused with the list of unknown devices, so the sender
// refreshes those device lists and sends again (nothing is stored for a device that is gone).
import type { UnknownDevicesReply } from '@veil/wire';
import type SQLite from 'better-sqlite3';
import type { DeviceAddress } from '../keys/prekey-store';

export class RelayUnknownDevicesError extends Error {
  readonly statusCode = 409;
  readonly code = 'RELAY_ERR_UNKNOWN_DEVICES';

  constructor(readonly unknown: UnknownDevicesReply['unknown']) {
    super('Some recipient devices do not exist; refresh their device lists and send again');
    this.name = 'RelayUnknownDevicesError';
  }

  toReply(): UnknownDevicesReply {
    return {
      statusCode: 409,
      code: 'RELAY_ERR_UNKNOWN_DEVICES',
      error: 'Conflict',
      message: this.message,
      unknown: this.unknown,
    };
  }
}

const DEVICES_OF = `SELECT accounts.id, devices.device_id FROM accounts
  JOIN devices ON devices.account_id = accounts.id
  WHERE accounts.username = ? AND accounts.status = 'active'`;

/**
 * Resolves recipients by a statement prepared once, each username looked up once per batch (a
 * group message names the same people in many submissions). `begin` forgets what the previous
 * batch looked up: devices come and go between batches.
 */
export function recipientResolver(sqlite: SQLite.Database): {
  readonly resolve: Resolve;
  readonly begin: () => void;
} {
  const devicesOf = sqlite.prepare<[string], { id: number; device_id: number }>(DEVICES_OF);
  // username -> device id -> account id
  const known = new Map<string, Map<number, number>>();
  const lookup = (username: string): Map<number, number> => {
    let devices = known.get(username);
    if (devices === undefined) {
      devices = new Map(devicesOf.all(username).map((row) => [row.device_id, row.id]));
      known.set(username, devices);
    }
    return devices;
  };
  return {
    begin: () => known.clear(),
    resolve: (envelopes) => {
      const unknown: UnknownDevicesReply['unknown'] = [];
      const resolved = envelopes.map((envelope) =>
        envelope.to.map((to) => {
          const username = to.username.toLowerCase();
          const accountId = lookup(username).get(to.deviceId);
          if (accountId === undefined) {
            unknown.push({ username, deviceId: to.deviceId });
            return { accountId: 0, deviceId: 0 };
          }
          return { accountId, deviceId: to.deviceId };
        }),
      );
      if (unknown.length > 0) throw new RelayUnknownDevicesError(unknown);
      return resolved;
    },
  };
}

/** One address per recipient, in the submission's order; throws for any unknown device. */
export type Resolve = (
  envelopes: readonly { readonly to: readonly { username: string; deviceId: number }[] }[],
) => DeviceAddress[][];
