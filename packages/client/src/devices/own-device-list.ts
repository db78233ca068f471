// This account's own signed device list as this device last accepted it (vault-encrypted, in the
// `secrets` table): the account's other devices, to which every sent message is copied as a sent
// transcript. It only moves forward — a list is accepted when the account key signed it and its
// counter is not lower than the one held (verifyDeviceList) — so a relay cannot add a device of
// its own or bring a removed one back.
import {
  accountPublic,
  decodeDeviceList,
  encodeDeviceList,
  verifyDeviceList,
  type AccountIdentity,
  type DeviceList,
  type Primitives,
} from '@veil/protocol';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

const ROW_ID = 'own-device-list';

export class OwnDeviceList {
  private cache: DeviceList | null = null;

  constructor(
    private readonly p: Primitives,
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
  ) {}

  /** The last accepted list, or undefined on a device set up before lists were kept here. */
  async get(): Promise<DeviceList | undefined> {
    if (this.cache !== null) return this.cache;
    const row = await this.db.secrets.get(ROW_ID);
    if (row === undefined) return undefined;
    this.cache = decodeDeviceList(this.vault.codec.open('secrets', ROW_ID, row.body) as Uint8Array);
    return this.cache;
  }

  /**
   * Verifies `list` against our own account key and the list held (throws BAD_SIGNATURE,
   * UNTRUSTED_IDENTITY or ROLLBACK), then keeps it. Returns whether it changed anything.
   */
  async accept(account: AccountIdentity, list: DeviceList): Promise<boolean> {
    const previous = await this.get();
    verifyDeviceList(this.p, { list, expected: accountPublic(account), previous });
    if (previous !== undefined && previous.counter === list.counter) return false;
    await this.db.secrets.put({
      id: ROW_ID,
      body: this.vault.codec.seal('secrets', ROW_ID, encodeDeviceList(list)),
    });
    this.cache = list;
    return true;
  }

  /** After a lock: the next `get` reads the row again under the next vault key. */
  forget(): void {
    this.cache = null;
  }
}
