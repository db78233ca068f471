// What a group's admins tell each other about its invite link, over the pairwise sessions (so end to
// end, and the relay sees ordinary sealed envelopes): the link's secret, so every admin's device can
// show and share the link one of them made (the group itself records only its public key), and
// "declined", so a request one admin turned away leaves every admin's pending list — and the
// requester, told too, reads that answer instead of waiting forever. A member who is not an admin
// never receives the secret: only admins can answer a request, and a holder can hand the link on.
import { equalBytes, inviteKeyPair, ProtocolError, toBase64Url } from '@veil/protocol';
import type { Content, GroupState, Primitives } from '@veil/protocol';
import type { ContactBook } from '../contacts/contact-book';
import type { KeyStore } from '../keys/key-store';
import type { MessengerEvent } from '../messaging/messenger';
import type { DeviceAddress } from '../messaging/session-store';
import type { GroupMessenger } from './group-messenger';
import type { InviteStore } from './invite-store';

export interface InviteAdminChannelDeps {
  readonly p: Primitives;
  readonly keys: KeyStore;
  readonly contacts: ContactBook;
  readonly groups: GroupMessenger;
  readonly store: InviteStore;
  readonly sendPairwise: (peer: string, content: Content) => Promise<void>;
  /** The group's state if we are its admin; NOT_AUTHORIZED (or UNKNOWN_SENDER) otherwise. */
  readonly adminState: (groupId: string, context: string) => Promise<GroupState>;
  readonly onEvent?: (event: MessengerEvent) => void;
  readonly now: () => number;
}

/** Whether `secret` is the one behind the invite key the group records now (none when revoked). */
export function isCurrentSecret(p: Primitives, state: GroupState, secret: Uint8Array): boolean {
  return (
    state.inviteKey !== null && equalBytes(inviteKeyPair(p, secret).publicKey, state.inviteKey)
  );
}

export class InviteAdminChannel {
  constructor(private readonly deps: InviteAdminChannelDeps) {}

  /**
   * The group's state and the secret kept here, if that secret is the current link's; undefined
   * when there is no link, it was revoked or reset elsewhere, or its secret has not reached us.
   */
  async currentSecret(
    groupId: string,
  ): Promise<{ state: GroupState; secret: Uint8Array } | undefined> {
    const state = await this.deps.groups.state(groupId);
    const secret = await this.deps.store.secret(groupId);
    if (state === undefined || secret === undefined) return undefined;
    return isCurrentSecret(this.deps.p, state, secret) ? { state, secret } : undefined;
  }

  /**
   * Hands the current link's secret to the group's other admins (every device) and to our own other
   * devices — or, with `only`, to that one admin (just promoted). Sent after the `link` operation
   * over the same sessions, so it arrives after it.
   */
  async shareSecret(groupId: string, only: string | null): Promise<void> {
    const current = await this.currentSecret(groupId);
    if (current === undefined) return;
    const { state, secret } = current;
    const self = await this.self();
    const admins = state.admins.filter((a) => a !== self && (only === null || a === only));
    await this.tell(only === null ? [...admins, self] : admins, {
      type: 'inviteSecret',
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.deps.now(),
      groupId: state.groupId,
      secret,
    });
  }

  /** Tells the requester, the other admins and our own other devices that we declined. */
  async declined(state: GroupState, requester: string): Promise<void> {
    const self = await this.self();
    const others = state.admins.filter((a) => a !== self && a !== requester);
    await this.tell([requester, ...others, self], {
      type: 'joinDeclined',
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.deps.now(),
      groupId: state.groupId,
      requester,
    });
  }

  /**
   * A decline from an admin: as the requester, the answer to our request (only from an admin we
   * asked); as an admin, the request leaves our pending list (only from a fellow admin).
   */
  async onDeclined(
    sender: DeviceAddress,
    content: Extract<Content, { type: 'joinDeclined' }>,
  ): Promise<void> {
    const groupId = toBase64Url(content.groupId);
    if (content.requester === (await this.self())) {
      const asked = await this.deps.store.ownRequest(groupId);
      if (asked === undefined || !asked.admins.includes(sender.accountId))
        throw new ProtocolError('NOT_AUTHORIZED', 'InviteAdminChannel: not asked of them');
      if (asked.declined !== undefined) return;
      await this.deps.store.setOwnRequest({
        ...asked,
        declined: { by: sender.accountId, at: this.deps.now() },
      });
    } else {
      await this.fellowAdmin(sender, groupId);
      await this.deps.store.removeRequest(groupId, content.requester);
    }
    this.deps.onEvent?.({ type: 'group', groupId });
  }

  /** A link's secret from a fellow admin: kept if it is the group's current link. */
  async onSecret(
    sender: DeviceAddress,
    content: Extract<Content, { type: 'inviteSecret' }>,
  ): Promise<void> {
    const groupId = toBase64Url(content.groupId);
    const state = await this.fellowAdmin(sender, groupId);
    // Sessions from different admins are not ordered: a secret from before a reset is just stale.
    if (!isCurrentSecret(this.deps.p, state, content.secret)) return;
    await this.deps.store.setSecret(groupId, content.secret);
    this.deps.onEvent?.({ type: 'group', groupId });
  }

  /**
   * The group's state, if both we and the sender are its admins — the sender under the key the
   * group records (a device of our own account passed the messenger's own-list check).
   */
  private async fellowAdmin(sender: DeviceAddress, groupId: string): Promise<GroupState> {
    const state = await this.deps.adminState(groupId, 'InviteAdminChannel');
    if (sender.accountId === (await this.self())) return state;
    const member = state.members.find((m) => m.accountId === sender.accountId);
    const contact = await this.deps.contacts.get(sender.accountId);
    if (
      member === undefined ||
      !state.admins.includes(member.accountId) ||
      contact === undefined ||
      !equalBytes(member.accountKey, contact.accountKey)
    )
      throw new ProtocolError('NOT_AUTHORIZED', 'InviteAdminChannel: not from an admin');
    return state;
  }

  /** `content` to each account, pairwise; one unreachable account does not stop the rest. */
  private async tell(accounts: readonly string[], content: Content): Promise<void> {
    for (const accountId of accounts) {
      try {
        await this.deps.sendPairwise(accountId, content);
      } catch {
        this.deps.onEvent?.({ type: 'rejected', reason: `GROUP_UNREACHABLE:${accountId}` });
      }
    }
  }

  private async self(): Promise<string> {
    return (await this.deps.keys.identity()).account.accountId;
  }
}
