// Muting a group, on this device and (through a `groupMute` sync record) on the account's other
// devices. A muted group's messages are stored, shown and counted in its own row as ever; they only
// stop drawing attention: they leave the unread total (title, app badge) and show no typing. One
// vault-sealed row per muted group in the `groups` table, under a `mute:` id (no schema change), so
// a locked profile does not say which groups are muted — only how many rows there are. The row
// holds when the mute last changed too (an unmute keeps its row, with 0): a history transfer or
// backup file made before a change here must not undo it (account-state.ts, last writer wins).
import type { EncryptedRow, VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

/** "Until I unmute it": the largest time a u64 in the sync record and a JS number both hold. */
export const MUTED_ALWAYS = Number.MAX_SAFE_INTEGER;

/** The choices the app offers; "always" is MUTED_ALWAYS. */
export const MUTE_FOR = {
  hour: 60 * 60 * 1000,
  eightHours: 8 * 60 * 60 * 1000,
  week: 7 * 24 * 60 * 60 * 1000,
} as const;

/** Whether a group muted until `mutedUntil` (0 = not muted) is muted at `now`. */
export function isMuted(mutedUntil: number, now: number): boolean {
  return mutedUntil > now;
}

/** A group's mute as its row holds it: until when (0 = not muted), and when that was decided. */
export interface MuteSetting {
  readonly mutedUntil: number;
  /** When the mute was set here or on the device it came from (ms); 0 for rows from before. */
  readonly changedAt: number;
}

export class GroupMutes {
  constructor(
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
  ) {}

  /** The id of a group's mute row in the `groups` table. */
  static rowId(groupId: string): string {
    return `mute:${groupId}`;
  }

  /** Until when the group is muted (ms), or 0: never muted, unmuted, or the time has passed. */
  async mutedUntil(groupId: string, now: number): Promise<number> {
    return this.fromRow(await this.db.groups.get(GroupMutes.rowId(groupId)), now);
  }

  /** mutedUntil, from the group's mute row already read (GroupMessenger.list reads them all). */
  fromRow(row: EncryptedRow | undefined, now: number): number {
    const until = this.settingOf(row)?.mutedUntil ?? 0;
    return isMuted(until, now) ? until : 0;
  }

  /** The group's mute row as stored (a passed time included), or undefined: never muted here. */
  async setting(groupId: string): Promise<MuteSetting | undefined> {
    return this.settingOf(await this.db.groups.get(GroupMutes.rowId(groupId)));
  }

  private settingOf(row: EncryptedRow | undefined): MuteSetting | undefined {
    if (row === undefined) return undefined;
    const value = this.vault.codec.open('groups', row.id, row.body) as number | MuteSetting;
    // Rows written before the change time was kept hold the bare time, and lose to any change.
    return typeof value === 'number' ? { mutedUntil: value, changedAt: 0 } : value;
  }

  /**
   * Mutes the group until `mutedUntil` (ms; MUTED_ALWAYS for good), or unmutes it with 0, as
   * decided at `changedAt` (now, unless it came from elsewhere).
   */
  async set(groupId: string, mutedUntil: number, changedAt = Date.now()): Promise<void> {
    if (!Number.isSafeInteger(mutedUntil) || mutedUntil < 0) {
      throw new RangeError('GroupMutes.set: mutedUntil must be a time in ms, or 0');
    }
    const id = GroupMutes.rowId(groupId);
    const setting: MuteSetting = { mutedUntil, changedAt };
    await this.db.groups.put({ id, body: this.vault.codec.seal('groups', id, setting) });
  }

  /**
   * A mute decided on another device of ours at `changedAt` (a transfer or backup file): taken
   * only when it is newer than what this device decided last. Returns whether it was taken.
   */
  async apply(groupId: string, setting: MuteSetting): Promise<boolean> {
    const current = await this.setting(groupId);
    if (current !== undefined && current.changedAt >= setting.changedAt) return false;
    await this.set(groupId, setting.mutedUntil, setting.changedAt);
    return true;
  }
}
