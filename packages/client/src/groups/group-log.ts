// Every operation a group went through, in order, on this device: a member added later needs the
// whole hash-chained history to build (and verify) the state everyone else holds, so the admin who
// adds them sends it. One vault-sealed row per group, in the `groups` table beside the state (under
// a `log:` id, so no schema change), since a history of small operations stays small.
import { ByteReader, ByteWriter, toBase64Url } from '@veil/protocol';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

export const GROUP_LOG_PREFIX = 'log:';

export class GroupLog {
  constructor(
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
  ) {}

  async list(groupId: Uint8Array): Promise<Uint8Array[]> {
    const id = GROUP_LOG_PREFIX + toBase64Url(groupId);
    const row = await this.db.groups.get(id);
    if (row === undefined) return [];
    const reader = new ByteReader(
      this.vault.codec.open('groups', id, row.body) as Uint8Array,
      'GroupLog.list',
    );
    const operations: Uint8Array[] = [];
    const count = reader.u32();
    for (let i = 0; i < count; i++) operations.push(reader.bytes(64 * 1024));
    return operations;
  }

  async append(groupId: Uint8Array, operation: Uint8Array): Promise<void> {
    const operations = [...(await this.list(groupId)), operation];
    const writer = new ByteWriter(64).u32(operations.length);
    for (const op of operations) writer.bytes(op);
    const id = GROUP_LOG_PREFIX + toBase64Url(groupId);
    await this.db.groups.put({ id, body: this.vault.codec.seal('groups', id, writer.finish()) });
  }
}
