// Groups on one device: the group state every member agrees on (changed only by signed operations),
// this device's sender key per group, and the sender keys other members' devices distributed to it.
// Distributions travel over the pairwise sessions, so their sender is authenticated there: a member
// cannot slip in a chain under another member's name.
import {
  acceptSenderKeyDistribution,
  applyGroupOperation,
  createGroup,
  createOwnSenderKey,
  decodeGroupMessage,
  decodeGroupState,
  decodeSenderKeyState,
  encodeGroupState,
  encodeSenderKeyDistribution,
  encodeSenderKeyState,
  equalBytes,
  groupDecrypt,
  groupEncrypt,
  proposeGroupOperation,
  ProtocolError,
  toBase64Url,
  type AccountIdentity,
  type AccountPublic,
  type GroupEffect,
  type GroupOperationBody,
  type GroupState,
  type Primitives,
  type SenderKeyState,
} from '@veil/protocol';
import type { DeviceAddress } from '../messaging/session-store';
import { KeyedQueue } from '../messaging/keyed-queue';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

export interface GroupChange {
  readonly state: GroupState;
  readonly effect: GroupEffect;
  /** Our new sender-key distribution when the change requires one (creation, removal, departure). */
  readonly distribution: Uint8Array | null;
}

export class GroupCipher {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly p: Primitives,
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
    private readonly self: { readonly account: AccountIdentity; readonly deviceId: number },
  ) {}

  async create(
    name: string,
    members: readonly AccountPublic[],
  ): Promise<GroupChange & { operation: Uint8Array }> {
    const created = createGroup(this.p, { creator: this.self.account, name, members });
    await this.saveState(created.state);
    return { ...created, distribution: await this.rotate(created.state) };
  }

  /** Signs the next operation on a group we administer (or `leave`) and applies it locally. */
  async propose(
    groupId: Uint8Array,
    body: Exclude<GroupOperationBody, { type: 'create' }>,
  ): Promise<GroupChange & { operation: Uint8Array }> {
    const state = await this.requireState(groupId);
    const operation = proposeGroupOperation(this.p, { state, signer: this.self.account, body });
    return { operation, ...(await this.apply(operation)) };
  }

  /**
   * Applies an operation received from a member (or the create, with the creator's pinned key).
   * Refused operations throw and change nothing.
   */
  async apply(operation: Uint8Array, creator?: AccountPublic): Promise<GroupChange> {
    const groupId = operationGroupId(operation);
    return this.queue.run(toBase64Url(groupId), async () => {
      const current = await this.getState(groupId);
      const result = applyGroupOperation(this.p, {
        state: current ?? null,
        operation,
        ...(creator ? { creator } : {}),
      });
      await this.saveState(result.state);
      const stillMember = result.state.members.some(
        (m) => m.accountId === this.self.account.accountId,
      );
      const needsNewKey =
        result.effect.type === 'create' ||
        (result.state.keyEpoch === result.state.epoch && stillMember);
      return { ...result, distribution: needsNewKey ? await this.rotate(result.state) : null };
    });
  }

  /** Our current distribution, for a member added after we made our chain. */
  async distributionFor(groupId: Uint8Array): Promise<Uint8Array> {
    const own = await this.getSenderKey(groupId, this.ownAddress(), 'own');
    if (own === undefined)
      throw new Error('GroupCipher.distributionFor: no sender key for this group');
    return encodeSenderKeyDistribution(own);
  }

  /** A fresh chain for us at the group's current key epoch (we just joined): its distribution. */
  async rotateKey(groupId: Uint8Array): Promise<Uint8Array> {
    return this.rotate(await this.requireState(groupId));
  }

  /** Stores a distribution that arrived over the pairwise session with `from`. */
  async acceptDistribution(from: DeviceAddress, bytes: Uint8Array): Promise<void> {
    const received = acceptSenderKeyDistribution(bytes);
    if (
      received.sender.accountId !== from.accountId ||
      received.sender.deviceId !== from.deviceId
    ) {
      throw new ProtocolError(
        'UNKNOWN_SENDER',
        'GroupCipher.acceptDistribution: distribution names another sender',
      );
    }
    const state = await this.requireState(received.groupId);
    if (!state.members.some((m) => m.accountId === from.accountId)) {
      throw new ProtocolError(
        'NOT_AUTHORIZED',
        'GroupCipher.acceptDistribution: sender is not a member',
      );
    }
    await this.putSenderKey(received, 'received');
  }

  /**
   * Every chain this device holds for the group that can still carry a message — its own and those
   * it received, from current members at the current key epoch — as distributions from where each
   * stands now: what a new device of our account needs to read the group from here on (a history
   * transfer or backup file). Nothing already read can be decrypted with them.
   */
  async chainDistributions(groupId: Uint8Array): Promise<Uint8Array[]> {
    const group = await this.getState(groupId);
    if (group === undefined) return [];
    // Sender-key rows outlive their chains (nothing deletes them when a member leaves or a removal
    // starts a new epoch); the new device would refuse a departed member's chain, and one from an
    // older epoch could open nothing that decrypt() still accepts.
    const members = new Set(group.members.map((m) => m.accountId));
    const distributions: Uint8Array[] = [];
    // Rows are keyed by blinded ids, so the group's are found by opening each (a few per group).
    for (const row of await this.db.senderKeys.toArray()) {
      const state = decodeSenderKeyState(
        this.vault.codec.open('senderKeys', row.id, row.body) as Uint8Array,
      );
      if (
        equalBytes(state.groupId, groupId) &&
        members.has(state.sender.accountId) &&
        state.epoch >= group.keyEpoch
      )
        distributions.push(encodeSenderKeyDistribution(state));
    }
    return distributions;
  }

  /**
   * A chain another device of our own account forwarded (chainDistributions there): kept unless
   * this device holds that chain already (it may be further along) or it is this device's own.
   */
  async acceptForwarded(bytes: Uint8Array): Promise<void> {
    const received = acceptSenderKeyDistribution(bytes);
    const { sender, groupId, chainId } = received;
    if (sender.accountId === this.self.account.accountId && sender.deviceId === this.self.deviceId)
      return;
    const state = await this.requireState(groupId);
    if (!state.members.some((m) => m.accountId === sender.accountId)) {
      throw new ProtocolError('NOT_AUTHORIZED', 'GroupCipher.acceptForwarded: not a member');
    }
    if ((await this.getSenderKey(groupId, sender, 'received', chainId)) !== undefined) return;
    await this.putSenderKey(received, 'received');
  }

  async encrypt(groupId: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    return this.queue.run(`own:${toBase64Url(groupId)}`, async () => {
      const own = await this.getSenderKey(groupId, this.ownAddress(), 'own');
      if (own === undefined) throw new Error('GroupCipher.encrypt: no sender key for this group');
      const out = groupEncrypt(this.p, own, plaintext);
      await this.putSenderKey(out.state, 'own');
      return out.message;
    });
  }

  async decrypt(
    message: Uint8Array,
  ): Promise<{ sender: DeviceAddress; groupId: Uint8Array; plaintext: Uint8Array }> {
    const decoded = decodeGroupMessage(message);
    const { groupId, sender, chainId } = decoded.header;
    return this.queue.run(
      `${toBase64Url(groupId)}:${sender.accountId}:${sender.deviceId}`,
      async () => {
        const state = await this.requireState(groupId);
        if (!state.members.some((m) => m.accountId === sender.accountId)) {
          throw new ProtocolError('NOT_AUTHORIZED', 'GroupCipher.decrypt: sender is not a member');
        }
        const chain = await this.getSenderKey(groupId, sender, 'received', chainId);
        if (chain === undefined)
          throw new ProtocolError(
            'UNKNOWN_SENDER',
            'GroupCipher.decrypt: no sender key for this chain',
          );
        const out = groupDecrypt(this.p, {
          state: chain,
          message: decoded,
          minimumEpoch: state.keyEpoch,
        });
        await this.putSenderKey(out.state, 'received');
        return { sender, groupId, plaintext: out.plaintext };
      },
    );
  }

  async getState(groupId: Uint8Array): Promise<GroupState | undefined> {
    const id = toBase64Url(groupId);
    const row = await this.db.groups.get(id);
    return row && decodeGroupState(this.vault.codec.open('groups', id, row.body) as Uint8Array);
  }

  private async requireState(groupId: Uint8Array): Promise<GroupState> {
    const state = await this.getState(groupId);
    if (state === undefined)
      throw new ProtocolError('UNKNOWN_SENDER', 'GroupCipher: unknown group');
    return state;
  }

  private async saveState(state: GroupState): Promise<void> {
    const id = toBase64Url(state.groupId);
    await this.db.groups.put({
      id,
      body: this.vault.codec.seal('groups', id, encodeGroupState(state)),
    });
  }

  private async rotate(state: GroupState): Promise<Uint8Array> {
    const own = createOwnSenderKey(this.p, {
      groupId: state.groupId,
      epoch: state.keyEpoch,
      sender: this.ownAddress(),
    });
    await this.putSenderKey(own, 'own');
    return encodeSenderKeyDistribution(own);
  }

  private ownAddress(): DeviceAddress {
    return { accountId: this.self.account.accountId, deviceId: this.self.deviceId };
  }

  private senderKeyId(
    groupId: Uint8Array,
    sender: DeviceAddress,
    role: 'own' | 'received',
    chainId?: number,
  ): string {
    const chain = role === 'own' ? 'own' : String(chainId);
    return this.vault.codec.blindId(
      'senderKeys',
      `${toBase64Url(groupId)}\u0000${sender.accountId}\u0000${sender.deviceId}\u0000${chain}`,
    );
  }

  private async getSenderKey(
    groupId: Uint8Array,
    sender: DeviceAddress,
    role: 'own' | 'received',
    chainId?: number,
  ): Promise<SenderKeyState | undefined> {
    const id = this.senderKeyId(groupId, sender, role, chainId);
    const row = await this.db.senderKeys.get(id);
    return (
      row && decodeSenderKeyState(this.vault.codec.open('senderKeys', id, row.body) as Uint8Array)
    );
  }

  private async putSenderKey(state: SenderKeyState, role: 'own' | 'received'): Promise<void> {
    const id = this.senderKeyId(state.groupId, state.sender, role, state.chainId);
    await this.db.senderKeys.put({
      id,
      body: this.vault.codec.seal('senderKeys', id, encodeSenderKeyState(state)),
    });
  }
}

/** The group id sits right after the version byte of every operation. */
function operationGroupId(operation: Uint8Array): Uint8Array {
  if (operation.length < 17)
    throw new ProtocolError('TRUNCATED', 'GroupCipher.apply: operation is truncated');
  return operation.slice(1, 17);
}
