// Keeps the device lists messages are encrypted to current: a contact's (every device of theirs
// receives what we send) and our own (every other device of ours receives a sent transcript). A
// list is fetched from the directory when the one held is older than `maxAgeMs` in this session, or
// at once when a message arrives from a device the held list does not name; it is accepted only when
// signed by the pinned account key with a counter that did not go back (ContactBook.acceptDeviceList,
// OwnDeviceList.accept). A refused or unreachable list leaves the held one in use: a device the
// relay added without the account's signature never receives anything. The relay also says when a
// list moved on (`heard`: the counters in a submission's reply, our own socket's `device-list`
// frame), so a device added a moment ago is fetched, verified and reached at once.
import {
  decodeDeviceList,
  equalBytes,
  type AccountIdentity,
  type DeviceList,
  type Primitives,
} from '@veil/protocol';
import type { ContactBook } from '../contacts/contact-book';
import type { KeyStore } from '../keys/key-store';
import type { SessionStore } from '../messaging/session-store';
import type { RelayApi } from '../relay/relay-api';
import type { OwnDeviceList } from './own-device-list';

/** How long a fetched list counts as current; a new device is reached within this at worst. */
export const DEVICE_LIST_MAX_AGE_MS = 60_000;

export interface DeviceListSyncDeps {
  readonly p: Primitives;
  readonly api: RelayApi;
  readonly keys: KeyStore;
  readonly contacts: ContactBook;
  readonly sessions: SessionStore;
  readonly own: OwnDeviceList;
  readonly now?: () => number;
  readonly maxAgeMs?: number;
  /** A contact's accepted list added or removed devices (noted on their contact row). */
  readonly onContactDevices?: (peer: string) => void;
}

export class DeviceListSync {
  /** When each account's list was last fetched in this session (ms). */
  private readonly fetchedAt = new Map<string, number>();
  /**
   * A fetch under way, by account: a second caller joins it. A relay's reply reaches the 1:1 and
   * the group layer at once, and two fetches racing would each note the same device change.
   */
  private readonly fetching = new Map<string, Promise<void>>();

  constructor(private readonly deps: DeviceListSyncDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private stale(accountId: string): boolean {
    const at = this.fetchedAt.get(accountId);
    return at === undefined || this.now() - at >= (this.deps.maxAgeMs ?? DEVICE_LIST_MAX_AGE_MS);
  }

  /** Makes the next use of `accountId`'s list fetch it first (the relay said a device is gone). */
  invalidate(accountId: string): void {
    this.fetchedAt.delete(accountId);
  }

  /** The device ids of the contact's accepted list, fetched again first when stale. */
  async contactDevices(peer: string): Promise<number[]> {
    if (this.stale(peer)) await this.refreshContact(peer);
    return this.heldDevices(peer);
  }

  /**
   * The relay said `accountId`'s current list has `counter` (a submission's reply, or our own
   * socket's `device-list` frame): when the list held is older, fetch the list and verify it.
   * Returns whether the list held changed. The counter only says when to look: what is accepted
   * is what the account key signed, so a relay naming a higher counter costs a fetch, no more.
   */
  async heard(accountId: string, counter: number): Promise<boolean> {
    const own = (await this.deps.keys.identity()).account.accountId;
    const held = async (): Promise<number> => {
      if (accountId === own) return (await this.deps.own.get())?.counter ?? -1;
      const contact = await this.deps.contacts.get(accountId);
      return contact?.deviceList == null ? Infinity : decodeDeviceList(contact.deviceList).counter;
    };
    const before = await held();
    if (counter <= before) return false;
    if (accountId === own) await this.refreshOwn();
    else await this.refreshContact(accountId);
    return (await held()) !== before;
  }

  /**
   * The devices a message to `accountId` goes to by the list held now, without fetching: the
   * contact's, or our own other devices when it is our account.
   */
  async heldDevices(accountId: string): Promise<number[]> {
    const { account, device } = await this.deps.keys.identity();
    if (accountId === account.accountId) {
      return ids((await this.deps.own.get()) ?? { devices: [] }).filter(
        (id) => id !== device.deviceId,
      );
    }
    const contact = await this.deps.contacts.get(accountId);
    return contact?.deviceList == null ? [] : ids(decodeDeviceList(contact.deviceList));
  }

  /** A message came from `deviceId` of a contact: fetch their list if it does not name it. */
  async contactSent(peer: string, deviceId: number): Promise<void> {
    const contact = await this.deps.contacts.get(peer);
    if (contact?.deviceList == null) return;
    if (ids(decodeDeviceList(contact.deviceList)).includes(deviceId)) return;
    await this.refreshContact(peer);
  }

  /** The ids of our own account's other devices, from our accepted list (fetched when stale). */
  async ownOtherDevices(): Promise<number[]> {
    const { account } = await this.deps.keys.identity();
    if (this.stale(account.accountId)) await this.refreshOwn();
    return this.heldDevices(account.accountId);
  }

  /** Whether our accepted list names `deviceId` (fetched again first when it does not). */
  async ownListed(deviceId: number): Promise<boolean> {
    const listed = async () =>
      ids((await this.deps.own.get()) ?? { devices: [] }).includes(deviceId);
    if (await listed()) return true;
    await this.refreshOwn();
    return listed();
  }

  /**
   * A contact's list the directory gave elsewhere (opening their conversation checks their key):
   * accepted as a fetch here would be, so a change is noted and replaced sessions go. Throws
   * when it does not verify.
   */
  async acceptContactList(peer: string, encoded: Uint8Array): Promise<void> {
    const before = await this.deps.contacts.get(peer);
    if (before === undefined || before.pendingKeyChange !== null) return;
    this.fetchedAt.set(peer, this.now());
    await this.adoptContactList(peer, before.deviceList, encoded);
  }

  private refreshContact(peer: string): Promise<void> {
    return this.once(peer, () => this.fetchContact(peer));
  }

  private async refreshOwn(): Promise<void> {
    const { account } = await this.deps.keys.identity();
    return this.once(account.accountId, () => this.fetchOwn(account));
  }

  private once(accountId: string, fetch: () => Promise<void>): Promise<void> {
    let running = this.fetching.get(accountId);
    if (running === undefined) {
      running = fetch().finally(() => this.fetching.delete(accountId));
      this.fetching.set(accountId, running);
    }
    return running;
  }

  private async fetchContact(peer: string): Promise<void> {
    const before = await this.deps.contacts.get(peer);
    if (before === undefined || before.pendingKeyChange !== null) return;
    try {
      const entry = await this.deps.api.directory(peer);
      this.fetchedAt.set(peer, this.now());
      await this.adoptContactList(peer, before.deviceList, entry.deviceList);
    } catch {
      // Offline, or a list that did not verify: keep encrypting to the list we hold.
    }
  }

  private async adoptContactList(
    peer: string,
    held: Uint8Array | null,
    encoded: Uint8Array,
  ): Promise<void> {
    const list = await this.deps.contacts.acceptDeviceList(peer, encoded);
    if (held === null) return;
    const previous = decodeDeviceList(held);
    await this.dropReplaced(peer, previous, list);
    const change = deviceChange(previous, list);
    if (change.added.length + change.removed.length > 0) {
      await this.deps.contacts.noteDeviceChange(peer, change, this.now());
      this.deps.onContactDevices?.(peer);
    }
  }

  private async fetchOwn(account: AccountIdentity): Promise<void> {
    const { accountId } = account;
    try {
      const entry = await this.deps.api.directory(accountId);
      this.fetchedAt.set(accountId, this.now());
      const before = await this.deps.own.get();
      const list = decodeDeviceList(entry.deviceList);
      await this.deps.own.accept(account, list);
      if (before !== undefined) await this.dropReplaced(accountId, before, list);
    } catch {
      // As for contacts: the held list stays in use.
    }
  }

  /**
   * Sessions with devices the new list removed, or lists under other keys (an id reused), are
   * worthless: dropped, so a reused id starts a fresh session with the device now listed.
   */
  private async dropReplaced(
    accountId: string,
    before: DeviceList,
    after: DeviceList,
  ): Promise<void> {
    for (const old of before.devices) {
      const now = after.devices.find((d) => d.deviceId === old.deviceId);
      if (now === undefined || !equalBytes(now.identityKey, old.identityKey)) {
        await this.deps.sessions.delete({ accountId, deviceId: old.deviceId });
      }
    }
  }
}

/** Devices in `after` and not in `before` (or under another key), and the reverse, by name. */
function deviceChange(
  before: DeviceList,
  after: DeviceList,
): { added: string[]; removed: string[] } {
  const missingFrom = (list: DeviceList, device: DeviceList['devices'][number]) =>
    !list.devices.some(
      (d) => d.deviceId === device.deviceId && equalBytes(d.identityKey, device.identityKey),
    );
  return {
    added: after.devices.filter((d) => missingFrom(before, d)).map((d) => d.name),
    removed: before.devices.filter((d) => missingFrom(after, d)).map((d) => d.name),
  };
}

function ids(list: Pick<DeviceList, 'devices'>): number[] {
  return list.devices.map((d) => d.deviceId);
}
