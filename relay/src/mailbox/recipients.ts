// Resolves a submission's recipients (username, device id) to mailbox addresses. Every device must
// exist; otherwise the whole submission is refused with the list of unknown devices, so the sender
// refreshes those device lists and sends again (nothing is stored for a device that is gone).
// The same lookup reads each account's device-list counter, which a 1:1 submission's reply carries
// so that a sender holding an older list learns of an added device at once.
import { MAILBOX_LIMITS, type DeviceListCounter, type UnknownDevicesReply } from '@veil/wire';
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

const DEVICES_OF = `SELECT accounts.id, devices.device_id, device_lists.counter,
  device_lists.updated_at FROM accounts
  JOIN devices ON devices.account_id = accounts.id
  LEFT JOIN device_lists ON device_lists.account_id = accounts.id
  WHERE accounts.username = ? AND accounts.status = 'active'`;

type Envelopes = readonly { readonly to: readonly { username: string; deviceId: number }[] }[];

/** One account as a batch looked it up: device id -> account id, and its list's counter. */
interface KnownAccount {
  readonly devices: Map<number, number>;
  readonly list: { readonly counter: number; readonly updatedAt: number } | undefined;
}

/**
 * Resolves recipients by a statement prepared once, each username looked up once per batch (a
 * group message names the same people in many submissions). `begin` forgets what the previous
 * batch looked up: devices come and go between batches.
 */
export function recipientResolver(sqlite: SQLite.Database): {
  readonly resolve: (envelopes: Envelopes) => DeviceAddress[][];
  /**
   * The device-list counters of the accounts a submission names: all of them when it names few
   * enough (a 1:1 send and its transcript, a small group); for a large group fan-out only the
   * lists changed in the last `listRecentMs` (at most `listsPerReply`, newest first), so the reply
   * stays small yet a member's just-added device is still heard of. Undefined when there is none
   * (the reply then leaves `lists` out rather than send `[]`).
   */
  readonly listCounters: (envelopes: Envelopes, now: number) => DeviceListCounter[] | undefined;
  readonly begin: () => void;
} {
  const devicesOf = sqlite.prepare<
    [string],
    { id: number; device_id: number; counter: number | null; updated_at: number | null }
  >(DEVICES_OF);
  const known = new Map<string, KnownAccount>();
  const lookup = (username: string): KnownAccount => {
    let account = known.get(username);
    if (account === undefined) {
      const rows = devicesOf.all(username);
      const first = rows[0];
      account = {
        devices: new Map(rows.map((row) => [row.device_id, row.id])),
        list:
          first?.counter == null || first.updated_at === null
            ? undefined
            : { counter: first.counter, updatedAt: first.updated_at },
      };
      known.set(username, account);
    }
    return account;
  };
  return {
    begin: () => known.clear(),
    resolve: (envelopes) => {
      const unknown: UnknownDevicesReply['unknown'] = [];
      const resolved = envelopes.map((envelope) =>
        envelope.to.map((to) => {
          const username = to.username.toLowerCase();
          const accountId = lookup(username).devices.get(to.deviceId);
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
    listCounters: (envelopes, now) => {
      const names = new Set(
        envelopes.flatMap((envelope) => envelope.to.map((to) => to.username.toLowerCase())),
      );
      let lists = [...names].flatMap((username) => {
        const list = lookup(username).list;
        return list === undefined ? [] : [{ username, ...list }];
      });
      if (names.size > MAILBOX_LIMITS.listsPerReply) {
        const since = now - MAILBOX_LIMITS.listRecentMs;
        lists = lists
          .filter((list) => list.updatedAt >= since)
          .sort((a, b) => b.updatedAt - a.updatedAt)
          .slice(0, MAILBOX_LIMITS.listsPerReply);
      }
      return lists.length === 0
        ? undefined
        : lists.map(({ username, counter }) => ({ username, counter }));
    },
  };
}
