// Joining a group through an invite link (docs/protocol.md §6, "Invite links"). An admin makes a
// link: a fresh secret whose public key the group records with a signed `link` operation, and a URL
// `<origin>/join#<payload>` whose fragment carries the secret, the group's name and its admins (the
// fragment never reaches the relay). Whoever opens it asks those admins, over pairwise sessions, to
// be added, proving the secret with a signature bound to their own account; an admin's device keeps
// the request while it verifies against the group's current link, and approving it is the ordinary
// signed `add`. A reset or revoked link turns every request made with it away, on every admin.
// The secret itself goes, pairwise, to the group's admins only (and our own devices), so every
// admin's device can show the link; a decline is told to the requester and to the other admins.
import {
  decodeInviteLink,
  encodeInviteLink,
  fromBase64Url,
  inviteKeyPair,
  joinRequestProof,
  LIMITS,
  ProtocolError,
  toBase64Url,
  verifyJoinRequest,
  type Content,
  type GroupState,
  type InviteLink,
  type Primitives,
} from '@veil/protocol';
import { isAccountId } from '@veil/wire';
import type { ContactBook } from '../contacts/contact-book';
import type { KeyStore } from '../keys/key-store';
import type { MessengerEvent } from '../messaging/messenger';
import type { DeviceAddress } from '../messaging/session-store';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';
import type { GroupMessenger } from './group-messenger';
import { InviteAdminChannel, isCurrentSecret } from './invite-admin-channel';
import { InviteStore, type JoinRequest, type OwnJoinRequest } from './invite-store';

export interface GroupInvitesDeps {
  readonly p: Primitives;
  readonly db: VeilDatabase;
  readonly vault: VaultLock;
  readonly keys: KeyStore;
  readonly contacts: ContactBook;
  readonly groups: GroupMessenger;
  readonly sendPairwise: (peer: string, content: Content) => Promise<void>;
  readonly onEvent?: (event: MessengerEvent) => void;
  readonly now: () => number;
}

/** What the join page shows before asking: the link's group and whom it asks. */
export interface InvitePreview {
  readonly groupId: string;
  readonly name: string;
  readonly admins: readonly string[];
}

/** An admin's invite state as one device of an account hands it to another (a transfer, a file). */
export interface InviteHandover {
  /** The current link's secret, or null: no link, or its secret never reached that device. */
  readonly secret: Uint8Array | null;
  /** The join requests still waiting for an answer there. */
  readonly requests: readonly JoinRequest[];
}

/** The path the PWA serves the join page on; everything secret follows it in the fragment. */
export const JOIN_PATH = '/join';

export class GroupInvites {
  private readonly store: InviteStore;
  private readonly admins: InviteAdminChannel;

  constructor(private readonly deps: GroupInvitesDeps) {
    this.store = new InviteStore(deps.db, deps.vault);
    this.admins = new InviteAdminChannel({
      ...deps,
      store: this.store,
      adminState: (groupId, context) => this.adminState(groupId, context),
    });
  }

  // — the admin's side

  /**
   * Makes a new link for the group and returns its URL under `origin`. Any earlier link stops
   * working: the group now records the new one's key, so requests made with the old one fail.
   */
  async createLink(groupId: string, origin: string): Promise<string> {
    const state = await this.adminState(groupId, 'GroupInvites.createLink');
    const secret = this.deps.p.randomBytes(32);
    await this.deps.groups.setInviteKey(groupId, inviteKeyPair(this.deps.p, secret).publicKey);
    await this.store.setSecret(groupId, secret);
    await this.shareSecret(groupId, null);
    return this.url(state, secret, origin);
  }

  /**
   * The group's current link, or null: none, revoked, or its secret not (yet) here — it reaches
   * admins only, from the admin who made it (the group at large records its public key alone).
   */
  async link(groupId: string, origin: string): Promise<string | null> {
    const current = await this.admins.currentSecret(groupId);
    return current === undefined ? null : this.url(current.state, current.secret, origin);
  }

  /** The URL for `secret`, naming the group's current name and admins (this device's first). */
  private async url(state: GroupState, secret: Uint8Array, origin: string): Promise<string> {
    const self = await this.self();
    const admins = state.members
      .filter((m) => state.admins.includes(m.accountId))
      .sort((a, b) => Number(b.accountId === self) - Number(a.accountId === self))
      .slice(0, LIMITS.maxInviteAdmins);
    const payload = encodeInviteLink({ groupId: state.groupId, secret, name: state.name, admins });
    return `${origin}${JOIN_PATH}#${toBase64Url(payload)}`;
  }

  /** Revokes the group's link (whoever made it): every request made with it is refused. */
  async revokeLink(groupId: string): Promise<void> {
    await this.adminState(groupId, 'GroupInvites.revokeLink');
    await this.deps.groups.setInviteKey(groupId, null);
    await this.store.setSecret(groupId, null);
  }

  /** Requests waiting for an answer that still hold: not yet members, made with the current link. */
  async pending(groupId: string): Promise<JoinRequest[]> {
    const state = await this.deps.groups.state(groupId);
    if (state === undefined) return [];
    return (await this.store.requests(groupId)).filter((request) => this.holds(state, request));
  }

  /** Adds the requester with the ordinary signed `add` (refused if the request no longer holds). */
  async approve(groupId: string, accountId: string): Promise<void> {
    const request = (await this.pending(groupId)).find((r) => r.accountId === accountId);
    if (request === undefined) {
      throw new ProtocolError(
        'NOT_AUTHORIZED',
        'GroupInvites.approve: no such request (answered, or made with a link since reset)',
      );
    }
    await this.deps.groups.ensureContact(request);
    await this.deps.groups.add(groupId, accountId);
    await this.store.removeRequest(groupId, accountId);
  }

  /**
   * Forgets the request, and says so (pairwise, end to end) to the requester — who then reads
   * "declined" — and to the other admins and our own other devices, whose pending lists drop it.
   */
  async decline(groupId: string, accountId: string): Promise<void> {
    const state = await this.adminState(groupId, 'GroupInvites.decline');
    const request = (await this.store.requests(groupId)).find((r) => r.accountId === accountId);
    await this.store.removeRequest(groupId, accountId);
    // A requester pinned from their first message may have no device list yet (as in approve).
    if (request !== undefined) await this.deps.groups.ensureContact(request).catch(() => undefined);
    await this.admins.declined(state, accountId);
  }

  /** The link's secret to the group's other admins and our other devices (or one new admin). */
  shareSecret(groupId: string, only: string | null): Promise<void> {
    return this.admins.shareSecret(groupId, only);
  }

  /** A decline from an admin: for our own request, or one an admin device of ours holds. */
  onDeclined(
    sender: DeviceAddress,
    content: Extract<Content, { type: 'joinDeclined' }>,
  ): Promise<void> {
    return this.admins.onDeclined(sender, content);
  }

  /** A link's secret from a fellow admin (or our own other device). */
  onSecret(
    sender: DeviceAddress,
    content: Extract<Content, { type: 'inviteSecret' }>,
  ): Promise<void> {
    return this.admins.onSecret(sender, content);
  }

  /** A join request that arrived over a pairwise session (GroupMessenger.onPairwise). */
  async onRequest(
    sender: DeviceAddress,
    content: Extract<Content, { type: 'joinRequest' }>,
  ): Promise<void> {
    const groupId = toBase64Url(content.groupId);
    const state = await this.adminState(groupId, 'GroupInvites.onRequest');
    // The requester is whom the session authenticated (pinned on first contact), never a claim.
    const contact = await this.deps.contacts.get(sender.accountId);
    if (contact === undefined)
      throw new ProtocolError('UNKNOWN_SENDER', 'GroupInvites.onRequest: unknown sender');
    const requester = { accountId: contact.accountId, accountKey: contact.accountKey };
    verifyJoinRequest(this.deps.p, { state, requester, proof: content.proof });
    if (state.members.some((m) => m.accountId === requester.accountId)) return;
    await this.store.addRequest(groupId, {
      ...requester,
      proof: content.proof,
      requestedAt: this.deps.now(),
    });
    this.deps.onEvent?.({ type: 'group', groupId });
  }

  // — handed over to a new device of our account

  /** What a new device of ours needs to answer for the group's link; undefined when nothing. */
  async exportInvite(groupId: string): Promise<InviteHandover | undefined> {
    const current = await this.admins.currentSecret(groupId);
    const requests = await this.pending(groupId);
    if (current === undefined && requests.length === 0) return undefined;
    return { secret: current?.secret ?? null, requests };
  }

  /**
   * Takes in what another device of ours handed over, under the rule a live `inviteSecret` obeys
   * (onSecret): only while the group, as verified here, records us as an admin — sender and holder
   * are our one account — and only a secret behind the link key it records now. Each request is
   * checked against the current link as if it had just arrived; one held here already stays as it
   * is. Returns whether the secret was taken.
   */
  async importInvite(groupId: string, handover: InviteHandover): Promise<boolean> {
    const state = await this.deps.groups.state(groupId);
    if (state === undefined || !state.admins.includes(await this.self())) return false;
    const held = new Set((await this.store.requests(groupId)).map((r) => r.accountId));
    const fresh = handover.requests.filter((r) => !held.has(r.accountId) && this.holds(state, r));
    for (const request of fresh) await this.store.addRequest(groupId, request);
    const { secret } = handover;
    const taken = secret !== null && isCurrentSecret(this.deps.p, state, secret);
    if (taken) await this.store.setSecret(groupId, secret);
    if (taken || fresh.length > 0) this.deps.onEvent?.({ type: 'group', groupId });
    return taken;
  }

  // — the holder's side

  /**
   * Asks the link's admins to add us: each is reached under the account key the link names (a
   * directory answering another key is skipped). Returns the admins the request went to.
   */
  async requestJoin(url: string): Promise<string[]> {
    const link = parseInviteLink(url);
    const { account } = await this.deps.keys.identity();
    const requester = { accountId: account.accountId, accountKey: account.accountKey };
    const proof = joinRequestProof(this.deps.p, { link, requester });
    const reached: string[] = [];
    for (const admin of link.admins) {
      if (admin.accountId === account.accountId) continue;
      try {
        await this.deps.groups.ensureContact(admin);
        await this.deps.sendPairwise(admin.accountId, {
          type: 'joinRequest',
          messageId: this.deps.p.randomBytes(16),
          sentAt: this.deps.now(),
          groupId: link.groupId,
          proof,
        });
        reached.push(admin.accountId);
      } catch {
        // Unreachable (key changed, directory offline): the other admins may still answer.
      }
    }
    if (reached.length === 0)
      throw new ProtocolError('UNTRUSTED_IDENTITY', 'GroupInvites.requestJoin: no admin reachable');
    await this.store.setOwnRequest({
      groupId: toBase64Url(link.groupId),
      name: link.name,
      admins: reached,
      askedAt: this.deps.now(),
    });
    return reached;
  }

  /** Our own request to join the group through a link, and whether an admin declined it. */
  ownRequest(groupId: string): Promise<OwnJoinRequest | undefined> {
    return this.store.ownRequest(groupId);
  }

  // — helpers

  private holds(state: GroupState, request: JoinRequest): boolean {
    if (state.members.some((m) => m.accountId === request.accountId)) return false;
    try {
      verifyJoinRequest(this.deps.p, { state, requester: request, proof: request.proof });
      return true;
    } catch {
      return false;
    }
  }

  private async self(): Promise<string> {
    return (await this.deps.keys.identity()).account.accountId;
  }

  private async adminState(groupId: string, context: string): Promise<GroupState> {
    const state = await this.deps.groups.state(groupId);
    if (state === undefined) throw new ProtocolError('UNKNOWN_SENDER', `${context}: unknown group`);
    if (!state.admins.includes(await this.self()))
      throw new ProtocolError('NOT_AUTHORIZED', `${context}: only an admin handles invite links`);
    return state;
  }
}

/** What a link (a URL or its fragment) names; throws MALFORMED for anything else. */
export function previewInvite(url: string): InvitePreview {
  const link = parseInviteLink(url);
  return {
    groupId: toBase64Url(link.groupId),
    name: link.name,
    admins: link.admins.map((a) => a.accountId),
  };
}

/**
 * The link a URL (or a bare fragment) carries. Anyone can make one, so beyond its encoding (which
 * the protocol checks, agnostic about account ids) each admin it names must be an account id as the
 * relay hands it out, each once: a link whose admins no relay could have named is refused whole,
 * never shown (what it calls its admins would be whatever its maker chose to show).
 */
export function parseInviteLink(url: string): InviteLink {
  const fragment = url.includes('#') ? url.slice(url.indexOf('#') + 1) : url;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(fragment.trim());
  } catch (error) {
    throw new ProtocolError('MALFORMED', 'parseInviteLink: not an invite link', { cause: error });
  }
  const link = decodeInviteLink(bytes);
  const ids = link.admins.map((admin) => admin.accountId);
  // The ids stay out of the messages: they are the link maker's words.
  if (!ids.every(isAccountId))
    throw new ProtocolError('MALFORMED', 'parseInviteLink: an admin is not an account id');
  if (new Set(ids).size !== ids.length)
    throw new ProtocolError('MALFORMED', 'parseInviteLink: an admin is named twice');
  return link;
}
