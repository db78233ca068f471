// Resolves a submission's recipients (username, device id) to mailbox addresses. Every device must
// exist; otherwise the whole submission is refused with the list of unknown devices, so the sender
// refreshes those device lists and sends again (nothing is stored for a device that is gone).
import type { SubmitEnvelope, UnknownDevicesReply } from '@veil/wire';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
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

/** One address per recipient, in the submission's order. */
export async function resolveRecipients(
  db: Kysely<Database>,
  envelopes: readonly SubmitEnvelope[],
): Promise<DeviceAddress[][]> {
  const usernames = [
    ...new Set(envelopes.flatMap((e) => e.to.map((to) => to.username.toLowerCase()))),
  ];
  const rows = await db
    .selectFrom('accounts')
    .innerJoin('devices', 'devices.account_id', 'accounts.id')
    .select(['accounts.username', 'accounts.id', 'devices.device_id'])
    .where('accounts.username', 'in', usernames)
    .where('accounts.status', '=', 'active')
    .execute();
  const known = new Map(rows.map((row) => [`${row.username}:${row.device_id}`, row.id]));
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
