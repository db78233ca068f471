// Resolves a submission's recipients (username, device id) to mailbox addresses. Every device must
// exist; otherwise the whole submission is refused with the list of unknown devices, so the sender
// refreshes those device lists and sends again (nothing is stored for a device that is gone).
import type { UnknownDevicesReply } from '@veil/wire';
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

/** Active accounts' devices by `username:deviceId`, for every username named. */
export async function lookupDevices(
  db: Kysely<Database>,
  usernames: Iterable<string>,
): Promise<Map<string, number>> {
  const names = [...new Set([...usernames].map((name) => name.toLowerCase()))];
  const known = new Map<string, number>();
  // Bounded `in` lists of few distinct lengths (see sql-chunks.ts).
  for (const part of sqlChunks(names)) {
    const rows = await db
      .selectFrom('accounts')
      .innerJoin('devices', 'devices.account_id', 'accounts.id')
      .select(['accounts.username', 'accounts.id', 'devices.device_id'])
      .where('accounts.username', 'in', part)
      .where('accounts.status', '=', 'active')
      .execute();
    for (const row of rows) known.set(`${row.username}:${row.device_id}`, row.id);
  }
  return known;
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
