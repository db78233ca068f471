// What a new device of the account needs besides messages, contacts, settings and groups to look
// like the device it came from: our own profile, each group's mute, each conversation's
// disappearing timer, and — for groups where we are an admin — the invite link's secret and the
// join requests still waiting for an answer. A history transfer carries it as one field of its
// document (history-transfer.ts), a backup file as one record (history-backup-records.ts); both
// read it through parseAccountState (account-state-shape.ts), as hostile input.
//
// Taking it in is idempotent and never lets older state replace newer: a profile by its
// `updatedAt`, a mute by when it was decided (`changedAt`), a timer by the record that set it
// (isNewerTimer) — so a mute or timer changed on the new device while the transfer was under way
// stays. Invite state obeys the rule a live `inviteSecret` does (GroupInvites.importInvite).
import type { ContactBook } from '../contacts/contact-book';
import type { GroupMessenger } from '../groups/group-messenger';
import type { JoinRequest } from '../groups/invite-store';
import type { Disappearing } from '../messaging/disappearing';
import type { Messenger } from '../messaging/messenger';
import type { OwnProfileStore } from '../profile/own-profile-store';
import { isNewer, type Profile } from '../profile/profile';

export interface GroupMuteEntry {
  readonly groupId: string;
  /** 0: not muted (an unmute is state too: it beats an older mute). */
  readonly mutedUntil: number;
  readonly changedAt: number;
}

export interface TimerEntry {
  /** A contact's account id (`direct`) or a group id (`group`). */
  readonly scope: 'direct' | 'group';
  readonly conversation: string;
  readonly seconds: number;
  /** The `disappearingTimer` record that set it: its time and hex id decide which is newer. */
  readonly sentAt: number;
  readonly id: string;
}

export interface InviteEntry {
  readonly groupId: string;
  readonly secret: Uint8Array | null;
  readonly requests: readonly JoinRequest[];
}

export interface AccountState {
  readonly profile: Profile | null;
  readonly groupMutes: readonly GroupMuteEntry[];
  readonly timers: readonly TimerEntry[];
  readonly invites: readonly InviteEntry[];
}

export interface AccountStateDeps {
  readonly contacts: ContactBook;
  readonly messenger: Messenger;
  readonly groups: GroupMessenger;
  readonly disappearing: Disappearing;
  readonly ownProfile: OwnProfileStore;
}

/** What `apply` took in, for the caller's count and the tests. */
export interface AccountStateApplied {
  readonly profile: boolean;
  readonly groupMutes: number;
  readonly timers: number;
  readonly invites: number;
}

/**
 * The state to hand over: the timers of `peers`' conversations, and, when `whole` (the whole
 * account goes, not one conversation), the profile and every group's mute, timer and invite state.
 */
export async function collectAccountState(
  deps: AccountStateDeps,
  options: { peers: readonly string[]; whole: boolean },
): Promise<AccountState> {
  const timers: TimerEntry[] = [];
  for (const peer of options.peers) {
    const setting = await deps.disappearing.setting(deps.messenger.conversationId(peer));
    if (setting !== undefined) timers.push({ scope: 'direct', conversation: peer, ...setting });
  }
  if (!options.whole) return { profile: null, groupMutes: [], timers, invites: [] };
  const groupMutes: GroupMuteEntry[] = [];
  const invites: InviteEntry[] = [];
  for (const { groupId } of await deps.groups.list()) {
    const mute = await deps.groups.mutes.setting(groupId);
    if (mute !== undefined) groupMutes.push({ groupId, ...mute });
    const setting = await deps.disappearing.setting(deps.groups.conversationId(groupId));
    if (setting !== undefined) timers.push({ scope: 'group', conversation: groupId, ...setting });
    const invite = await deps.groups.invites.exportInvite(groupId);
    if (invite !== undefined) invites.push({ groupId, ...invite });
  }
  return { profile: (await deps.ownProfile.get()) ?? null, groupMutes, timers, invites };
}

/**
 * Takes the state in, after the groups it names were imported (invite state is judged by the group
 * as verified here). Entries for a contact or group this device does not know are skipped.
 */
export async function applyAccountState(
  deps: AccountStateDeps,
  state: AccountState,
): Promise<AccountStateApplied> {
  let profile = false;
  if (state.profile !== null && isNewer(state.profile, await deps.ownProfile.get())) {
    await deps.ownProfile.put(state.profile);
    profile = true;
  }
  const known = async (scope: 'direct' | 'group', id: string): Promise<boolean> =>
    scope === 'group'
      ? (await deps.groups.state(id)) !== undefined
      : (await deps.contacts.get(id)) !== undefined;
  let groupMutes = 0;
  for (const { groupId, mutedUntil, changedAt } of state.groupMutes) {
    if (!(await known('group', groupId))) continue;
    if (await deps.groups.mutes.apply(groupId, { mutedUntil, changedAt })) groupMutes++;
  }
  let timers = 0;
  for (const { scope, conversation, seconds, sentAt, id } of state.timers) {
    if (!(await known(scope, conversation))) continue;
    const conversationId =
      scope === 'group'
        ? deps.groups.conversationId(conversation)
        : deps.messenger.conversationId(conversation);
    if (await deps.disappearing.setTimer(conversationId, { seconds, sentAt, id })) timers++;
  }
  let invites = 0;
  for (const { groupId, secret, requests } of state.invites) {
    if (await deps.groups.invites.importInvite(groupId, { secret, requests })) invites++;
  }
  return { profile, groupMutes, timers, invites };
}
