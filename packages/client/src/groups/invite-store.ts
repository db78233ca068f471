// What invite links leave on this device, vault-sealed in the `groups` table beside each group's
// state (under `invite:`, `join:` and `asked:` ids, so no schema change): the secret of the group's
// current link (made here, or handed to us as an admin by the admin who made it; the group records
// its public key alone), the join requests waiting for an admin's answer, and — on the requester's
// side — the requests we made, so an admin's "declined" is believed only for a group we asked.
import { type Ed25519PublicKey } from '@veil/protocol';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

/** A request to join that verified when it arrived; shown to the admins until answered. */
export interface JoinRequest {
  readonly accountId: string;
  /** The key the pairwise session authenticated: what the admin's safety number is made from. */
  readonly accountKey: Ed25519PublicKey;
  readonly proof: Uint8Array;
  /** When it reached this device (ms). */
  readonly requestedAt: number;
}

/** A request this device made through a link, and the answer if it was declined. */
export interface OwnJoinRequest {
  readonly groupId: string;
  /** The group's name as the link gave it (we are not a member: we know no other). */
  readonly name: string;
  /** The admins the request reached: only they may decline it. */
  readonly admins: readonly string[];
  readonly askedAt: number;
  readonly declined?: { readonly by: string; readonly at: number };
}

/** Requests kept per group at most (the oldest dropped): a bound on what strangers can make us hold. */
export const MAX_PENDING_REQUESTS = 100;

export class InviteStore {
  constructor(
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
  ) {}

  private async read<T>(id: string): Promise<T | undefined> {
    const row = await this.db.groups.get(id);
    return row === undefined ? undefined : (this.vault.codec.open('groups', id, row.body) as T);
  }

  private async write(id: string, value: unknown): Promise<void> {
    await this.db.groups.put({ id, body: this.vault.codec.seal('groups', id, value) });
  }

  /** The secret of the link this device made for the group, if any. */
  secret(groupId: string): Promise<Uint8Array | undefined> {
    return this.read<Uint8Array>(`invite:${groupId}`);
  }

  async setSecret(groupId: string, secret: Uint8Array | null): Promise<void> {
    if (secret === null) await this.db.groups.delete(`invite:${groupId}`);
    else await this.write(`invite:${groupId}`, secret);
  }

  async requests(groupId: string): Promise<JoinRequest[]> {
    return (await this.read<JoinRequest[]>(`join:${groupId}`)) ?? [];
  }

  /** Adds (or refreshes) one requester's request. */
  async addRequest(groupId: string, request: JoinRequest): Promise<void> {
    const others = (await this.requests(groupId)).filter((r) => r.accountId !== request.accountId);
    await this.write(`join:${groupId}`, [...others, request].slice(-MAX_PENDING_REQUESTS));
  }

  async removeRequest(groupId: string, accountId: string): Promise<void> {
    const kept = (await this.requests(groupId)).filter((r) => r.accountId !== accountId);
    await this.write(`join:${groupId}`, kept);
  }

  ownRequest(groupId: string): Promise<OwnJoinRequest | undefined> {
    return this.read<OwnJoinRequest>(`asked:${groupId}`);
  }

  setOwnRequest(request: OwnJoinRequest): Promise<void> {
    return this.write(`asked:${request.groupId}`, request);
  }
}
