// Group intents for the screens: each calls the unlocked device's GroupMessenger and bumps the app's
// revision so every view showing groups re-reads. No crypto here: it all lives in @veil/client.
import type { ChatMessage, GroupSummary, StoredMessage } from '@veil/client';
import type { GroupState } from '@veil/protocol';
import { veil } from '$lib/veil/veil-app.svelte';

const groups = () => veil.required().groups;

async function changed<T>(work: Promise<T>): Promise<T> {
  const result = await work;
  veil.revision++;
  return result;
}

export const groupActions = {
  list: (): Promise<GroupSummary[]> => groups().list(),
  state: (groupId: string): Promise<GroupState | undefined> => groups().state(groupId),
  history: (groupId: string): Promise<StoredMessage<ChatMessage>[]> =>
    groups().history(groupId, { limit: 200 }),
  markSeen: (groupId: string): Promise<void> => groups().markSeen(groupId),
  create: (name: string, members: readonly string[]): Promise<string> =>
    changed(groups().create(name, members)),
  add: (groupId: string, accountId: string) => changed(groups().add(groupId, accountId)),
  remove: (groupId: string, accountId: string) => changed(groups().remove(groupId, accountId)),
  promote: (groupId: string, accountId: string) => changed(groups().promote(groupId, accountId)),
  rename: (groupId: string, name: string) => changed(groups().rename(groupId, name)),
  leave: (groupId: string) => changed(groups().leave(groupId)),
  /** Until when the group is muted here (ms), or 0. */
  mutedUntil: (groupId: string): Promise<number> => groups().mutes.mutedUntil(groupId, Date.now()),
  /** Mutes until `mutedUntil` (MUTED_ALWAYS for good) or unmutes (0), on our other devices too. */
  mute: (groupId: string, mutedUntil: number) =>
    changed(veil.required().setGroupMuted(groupId, mutedUntil)),
  self: (): string => veil.username ?? '',
};
