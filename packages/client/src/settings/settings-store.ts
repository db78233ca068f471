// This device's privacy preferences, one vault-encrypted row in the `settings` table (what someone
// chose to share is itself worth hiding). Read on nearly every message, so the value is cached for
// the life of the unlocked vault (a store is made per unlock, with the messenger).
//
// These settings are the account's, not the device's: a change made on one device goes to the
// account's other devices as a `settings` sync record (devices/sync-own-devices.ts). The rule is
// last writer wins: every stored value carries the stamp of the change that made it — when
// (ms, never going backwards on one device) and on which device — and a synced value replaces the
// stored one only if its stamp is later, ties going to the higher device id, so every device ends
// up with the same value whatever order the records arrive in. What is the device's by nature (the
// theme, notification permission, the auto-lock delay) is kept by the PWA, not here.
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

export interface Settings {
  /** Tell contacts when we are typing, and show when they are. Off by default (it leaks presence). */
  readonly typingIndicators: boolean;
  /**
   * Send read receipts. When off we send none (delivered receipts still flow, so the sender knows
   * the message arrived) and, as Signal does, we show no one else's: sharing is reciprocal.
   */
  readonly readReceipts: boolean;
}

export const DEFAULT_SETTINGS: Settings = { typingIndicators: false, readReceipts: true };

/** Which change made the stored settings: last writer wins by (changedAt, deviceId). */
export interface SettingsStamp {
  readonly changedAt: number;
  readonly deviceId: number;
}

/** The stamp of settings never changed: any synced change is later. */
const UNSTAMPED: SettingsStamp = { changedAt: 0, deviceId: 0 };

/** Whether a change stamped `incoming` replaces one stamped `current`. */
function isLaterStamp(incoming: SettingsStamp, current: SettingsStamp): boolean {
  return (
    incoming.changedAt > current.changedAt ||
    (incoming.changedAt === current.changedAt && incoming.deviceId > current.deviceId)
  );
}

/** Where a change came from: this device's user, or another device of the account. */
export type SettingsOrigin = 'local' | 'synced';

interface StoredSettings {
  readonly settings: Settings;
  readonly stamp: SettingsStamp;
}

export interface SettingsStoreOptions {
  /** This device's id, for the stamp of a change made here. */
  readonly deviceId: () => Promise<number>;
  readonly now?: () => number;
}

const ROW_ID = 'device';

/**
 * Whether this device shares read receipts — both ways: when off it sends none, 1:1 or in groups,
 * and shows no one's. Without settings (a device built without privacy deps) it shares them.
 */
export async function sharesReadReceipts(settings: SettingsStore | undefined): Promise<boolean> {
  return (await settings?.get())?.readReceipts ?? true;
}

export class SettingsStore {
  private cached: Promise<StoredSettings> | null = null;
  private readonly listeners = new Set<(settings: Settings, origin: SettingsOrigin) => void>();
  private readonly now: () => number;

  constructor(
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
    private readonly options?: SettingsStoreOptions,
  ) {
    this.now = options?.now ?? Date.now;
  }

  /** The stored settings over the defaults (a setting added later reads as its default). */
  async get(): Promise<Settings> {
    return (await this.stored()).settings;
  }

  /** The stamp of the change that made the stored settings. */
  async stamp(): Promise<SettingsStamp> {
    return (await this.stored()).stamp;
  }

  private stored(): Promise<StoredSettings> {
    this.cached ??= this.db.settings.get(ROW_ID).then((row) => {
      // Rows written before settings were synced hold the bare settings, without a stamp.
      const body =
        row && (this.vault.codec.open('settings', ROW_ID, row.body) as Partial<Settings>);
      const { stamp, ...settings } = (body ?? {}) as Partial<Settings> & { stamp?: SettingsStamp };
      return { settings: { ...DEFAULT_SETTINGS, ...settings }, stamp: stamp ?? UNSTAMPED };
    });
    return this.cached;
  }

  /** A change made on this device: stamped now (never before the stored stamp) and by this device. */
  async update(change: Partial<Settings>): Promise<Settings> {
    const current = await this.stored();
    const stamp: SettingsStamp = {
      changedAt: Math.max(this.now(), current.stamp.changedAt + 1),
      deviceId: (await this.options?.deviceId()) ?? 0,
    };
    return this.write({ ...current.settings, ...change }, stamp, 'local');
  }

  /**
   * A change another device of ours made (a `settings` sync record): kept only if it is later than
   * the stored one (isLaterStamp). Returns whether it was.
   */
  async applySynced(settings: Settings, stamp: SettingsStamp): Promise<boolean> {
    if (!isLaterStamp(stamp, (await this.stored()).stamp)) return false;
    await this.write(settings, stamp, 'synced');
    return true;
  }

  private async write(
    settings: Settings,
    stamp: SettingsStamp,
    origin: SettingsOrigin,
  ): Promise<Settings> {
    const next = {
      typingIndicators: settings.typingIndicators,
      readReceipts: settings.readReceipts,
    };
    await this.db.settings.put({
      id: ROW_ID,
      body: this.vault.codec.seal('settings', ROW_ID, { ...next, stamp }),
    });
    this.cached = Promise.resolve({ settings: next, stamp });
    for (const listener of this.listeners) listener(next, origin);
    return next;
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  onChange(listener: (settings: Settings, origin: SettingsOrigin) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
