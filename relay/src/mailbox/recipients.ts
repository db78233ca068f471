// Resolves a submission's recipients (username, device id) to mailbox addresses. Every device must
// exist; otherwise the whole submission is refused with the list of unknown devices, so the sender
// refreshes those device lists and sends again (nothing is stored for a device that is gone).
// The same lookup reads each account's device-list counter, which a 1:1 submission's reply carries
// so that a sender holding an older list learns of an added device at once.
import { MAILBOX_LIMITS, type DeviceListCounter, type UnknownDevicesReply } from '@veil/wire';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { DeviceAddress } from '../keys/prekey-store';
import { sqlChunks } from './sql-chunks';

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

export interface KnownDevices {
  /** Account id by `username:deviceId`. */
  readonly devices: ReadonlyMap<string, number>;
  /** The counter of each account's current signed device list, by username. */
  readonly listCounters: ReadonlyMap<string, number>;
}

/** Active accounts' devices and device-list counters, for every username named. */
export async function lookupDevices(
  db: Kysely<Database>,
  usernames: Iterable<string>,
): Promise<KnownDevices> {
  const names = [...new Set([...usernames].map((name) => name.toLowerCase()))];
  const devices = new Map<string, number>();
  const listCounters = new Map<string, number>();
  // Bounded `in` lists of few distinct lengths (see sql-chunks.ts).
  for (const part of sqlChunks(names)) {
    const rows = await db
      .selectFrom('accounts')
      .innerJoin('devices', 'devices.account_id', 'accounts.id')
      .leftJoin('device_lists', 'device_lists.account_id', 'accounts.id')
      .select(['accounts.username', 'accounts.id', 'devices.device_id', 'device_lists.counter'])
      .where('accounts.username', 'in', part)
      .where('accounts.status', '=', 'active')
      .execute();
    for (const row of rows) {
      devices.set(`${row.username}:${row.device_id}`, row.id);
      if (row.counter !== null) listCounters.set(row.username, row.counter);
    }
  }
  return { devices, listCounters };
}

/**
 * The device-list counters of the accounts a submission names, when it names few enough (a 1:1
 * send and its transcript); none for a large group fan-out, whose reply stays small.
 */
export function listCountersFor(
  known: KnownDevices,
  envelopes: readonly { readonly to: readonly { username: string }[] }[],
): DeviceListCounter[] | undefined {
  const names = new Set(envelopes.flatMap((e) => e.to.map((to) => to.username.toLowerCase())));
  if (names.size > MAILBOX_LIMITS.listsPerReply) return undefined;
  return [...names].flatMap((username) => {
    const counter = known.listCounters.get(username);
    return counter === undefined ? [] : [{ username, counter }];
  });
}

/** One address per recipient, in the submission's order; throws for any unknown device. */
export function resolveWith(
  known: ReadonlyMap<string, number>,
  envelopes: readonly { readonly to: readonly { username: string; deviceId: number }[] }[],
): DeviceAddress[][] {
  const unknown: UnknownDevicesReply['unknown'] = [];
  const resolved = envelopes.map((envelope) =>
    envelope.to.map((to) => {
      const username = to.username.toLowerCase();
      const accountId = known.get(`${username}:${to.deviceId}`);
      if (accountId === undefined) {
        unknown.push({ username, deviceId: to.deviceId });
        return { accountId: 0, deviceId: 0 };
      }
      return { accountId, deviceId: to.deviceId };
    }),
  );
  if (unknown.length > 0) throw new RelayUnknownDevicesError(unknown);
  return resolved;
}
