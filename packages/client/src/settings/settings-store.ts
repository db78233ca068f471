// This device's privacy preferences, one vault-encrypted row in the `settings` table (what someone
// chose to share is itself worth hiding). Read on nearly every message, so the value is cached for
// the life of the unlocked vault (a store is made per unlock, with the messenger).
//
// Settings stay on the device they were set on: they would follow the account through the general
// device sync another part of the client is building, not through a channel of their own.
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

const ROW_ID = 'device';

/**
 * Whether this device shares read receipts — both ways: when off it sends none, 1:1 or in groups,
 * and shows no one's. Without settings (a device built without privacy deps) it shares them.
 */
export async function sharesReadReceipts(settings: SettingsStore | undefined): Promise<boolean> {
  return (await settings?.get())?.readReceipts ?? true;
}

export class SettingsStore {
  private cached: Promise<Settings> | null = null;
  private readonly listeners = new Set<(settings: Settings) => void>();

  constructor(
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
  ) {}

  /** The stored settings over the defaults (a setting added later reads as its default). */
  get(): Promise<Settings> {
    this.cached ??= this.db.settings.get(ROW_ID).then((row) => ({
      ...DEFAULT_SETTINGS,
      ...(row && (this.vault.codec.open('settings', ROW_ID, row.body) as Partial<Settings>)),
    }));
    return this.cached;
  }

  async update(change: Partial<Settings>): Promise<Settings> {
    const next = { ...(await this.get()), ...change };
    await this.db.settings.put({
      id: ROW_ID,
      body: this.vault.codec.seal('settings', ROW_ID, next),
    });
    this.cached = Promise.resolve(next);
    for (const listener of this.listeners) listener(next);
    return next;
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  onChange(listener: (settings: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
