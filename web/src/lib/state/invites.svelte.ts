// Invite-link intents for the screens (group info, the join page): each calls the unlocked device's
// GroupInvites and bumps the app's revision. Links are made for this page's own origin, the one the
// relay serves the PWA from.
import type { JoinRequest, OwnJoinRequest } from '@veil/client';
import { veil } from '$lib/veil/veil-app.svelte';

const invites = () => veil.required().groups.invites;

async function changed<T>(work: Promise<T>): Promise<T> {
  const result = await work;
  veil.revision++;
  return result;
}

/**
 * The link the join page was opened with, while its holder signs in: kept in this page's memory
 * only (navigation within the app keeps it; a reload or a closed tab forgets it), never stored.
 */
export const pendingInvite = $state<{ link: string | null }>({ link: null });

/** Where to go once the vault is open: back to the join page when a link is waiting. */
export const afterUnlockPath = (): string => (pendingInvite.link === null ? '/chats' : '/join');

export const inviteActions = {
  link: (groupId: string): Promise<string | null> => invites().link(groupId, location.origin),
  create: (groupId: string): Promise<string> =>
    changed(invites().createLink(groupId, location.origin)),
  revoke: (groupId: string): Promise<void> => changed(invites().revokeLink(groupId)),
  pending: (groupId: string): Promise<JoinRequest[]> => invites().pending(groupId),
  approve: (groupId: string, accountId: string): Promise<void> =>
    changed(invites().approve(groupId, accountId)),
  decline: (groupId: string, accountId: string): Promise<void> =>
    changed(invites().decline(groupId, accountId)),
  request: (link: string): Promise<string[]> => invites().requestJoin(link),
  /** Our own request through a link, with an admin's "declined" once it comes. */
  ownRequest: (groupId: string): Promise<OwnJoinRequest | undefined> =>
    invites().ownRequest(groupId),
  safetyNumber: async (accountId: string): Promise<string> =>
    (await veil.required().safetyNumber(accountId)).groups.join(' '),
};
