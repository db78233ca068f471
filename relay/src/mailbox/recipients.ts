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

/** One account as last looked up: device id -> account id, and its list's counter. */
interface KnownAccount {
  readonly devices: Map<number, number>;
  readonly list: { readonly counter: number; readonly updatedAt: number } | undefined;
}

const DIRECTORY_VERSION = 'SELECT version FROM directory_version WHERE id = 1';

/**
 * How many accounts the resolver remembers, the least recently named forgotten first; an entry is
 * a few hundred bytes.
 */
const KNOWN_ACCOUNTS = 20_000;

/**
 * Resolves recipients by a statement prepared once, each username looked up once for as long as
 * nobody's devices change: a group message names the same people in submission after submission,
 * and looking a thousand of them up took about a tenth of the relay's time per message at a
 * thousand-device fan-out (bench: transport). `begin`, inside each batch's transaction, reads the
 * directory version (migration 0004: triggers move it on every change to accounts, devices and
 * device lists, from any process) and forgets everything when it moved.
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
  const directoryVersion = sqlite.prepare<[], { version: number }>(DIRECTORY_VERSION);
  const known = new Map<string, KnownAccount>();
  let knownAt: number | undefined;
  const lookup = (username: string): KnownAccount => {
    let account = known.get(username);
    if (account !== undefined) {
      // Moved to the end: the Map's first key is then the one used longest ago.
      known.delete(username);
      known.set(username, account);
    } else {
      const rows = devicesOf.all(username);
      const first = rows[0];
      account = {
        devices: new Map(rows.map((row) => [row.device_id, row.id])),
        list:
          first?.counter == null || first.updated_at === null
            ? undefined
            : { counter: first.counter, updatedAt: first.updated_at },
      };
      if (known.size >= KNOWN_ACCOUNTS) known.delete(known.keys().next().value!);
      known.set(username, account);
    }
    return account;
  };
  return {
    begin: () => {
      // No version row (deleted by hand): remember nothing past the batch, as before migration 0004.
      const version = directoryVersion.get()?.version;
      if (version === undefined || version !== knownAt) known.clear();
      knownAt = version;
    },
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
