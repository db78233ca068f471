// Double Ratchet sessions with each remote device, vault-encrypted, under blinded row ids.
import { decodeRatchetState, encodeRatchetState, type RatchetState } from '@veil/protocol';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

export interface DeviceAddress {
  readonly accountId: string;
  readonly deviceId: number;
}

export class SessionStore {
  constructor(
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
  ) {}

  private rowId(address: DeviceAddress): string {
    return this.vault.codec.blindId('sessions', `${address.accountId}\u0000${address.deviceId}`);
  }

  async get(address: DeviceAddress): Promise<RatchetState | undefined> {
    const id = this.rowId(address);
    const row = await this.db.sessions.get(id);
    return row && decodeRatchetState(this.vault.codec.open('sessions', id, row.body) as Uint8Array);
  }

  async put(address: DeviceAddress, state: RatchetState): Promise<void> {
    const id = this.rowId(address);
    await this.db.sessions.put({
      id,
      body: this.vault.codec.seal('sessions', id, encodeRatchetState(state)),
    });
  }

  async delete(address: DeviceAddress): Promise<void> {
    await this.db.sessions.delete(this.rowId(address));
  }
}
