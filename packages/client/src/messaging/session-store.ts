// Double Ratchet sessions with each remote device — the current one and the archived ones (a
// SessionRecord) in one vault-encrypted row per device, under a blinded row id.
//
// The row's value is `{ record: encodeSessionRecord(...) }`. Rows written before archived sessions
// were kept hold a bare encoded RatchetState instead; they read as a record with nothing archived
// and are rewritten in the new shape by the next put. The Dexie row itself (id, body) is unchanged,
// so no schema upgrade is needed — and none could help: the vault is locked while Dexie upgrades.
import {
  decodeRatchetState,
  decodeSessionRecord,
  encodeSessionRecord,
  ProtocolError,
  type SessionRecord,
} from '@veil/protocol';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

export interface DeviceAddress {
  readonly accountId: string;
  readonly deviceId: number;
}

interface SessionRow {
  readonly record: Uint8Array;
}

function decodeRow(value: unknown): SessionRecord {
  if (value instanceof Uint8Array) return { current: decodeRatchetState(value), archived: [] };
  const record = (value as Partial<SessionRow> | null)?.record;
  if (!(record instanceof Uint8Array)) {
    throw new ProtocolError('MALFORMED', 'SessionStore.get: session row has an unknown shape');
  }
  return decodeSessionRecord(record);
}

export class SessionStore {
  constructor(
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
  ) {}

  private rowId(address: DeviceAddress): string {
    return this.vault.codec.blindId('sessions', `${address.accountId}\u0000${address.deviceId}`);
  }

  async get(address: DeviceAddress): Promise<SessionRecord | undefined> {
    const id = this.rowId(address);
    const row = await this.db.sessions.get(id);
    return row && decodeRow(this.vault.codec.open('sessions', id, row.body));
  }

  async put(address: DeviceAddress, record: SessionRecord): Promise<void> {
    const id = this.rowId(address);
    const value: SessionRow = { record: encodeSessionRecord(record) };
    await this.db.sessions.put({ id, body: this.vault.codec.seal('sessions', id, value) });
  }

  /** Forgets every session with the device, archived ones included. */
  async delete(address: DeviceAddress): Promise<void> {
    await this.db.sessions.delete(this.rowId(address));
  }
}
