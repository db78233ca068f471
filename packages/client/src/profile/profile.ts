// A person's profile: the display name and avatar they choose for their contacts to see. It travels
// only inside end-to-end encrypted `profile` content records (the relay never sees one) and rests
// vault-encrypted: our own in the `profile` table, each contact's in that contact's row.
//
// A display name is chosen by its owner, so anyone can call themselves anything: it is decoration,
// never identity. The account id (username) and the safety number computed from the pinned keys are
// what identify a contact; screens show the username beside any display name.
import { encodeContent, type Content, type ProfileAvatar } from '@veil/protocol';

export type { AvatarFormat, ProfileAvatar } from '@veil/protocol';

export interface Profile {
  /** "" when the owner set none. */
  readonly displayName: string;
  readonly avatar: ProfileAvatar | null;
  /** The owner's clock when it was set (the record's `sentAt`): only a newer one replaces it. */
  readonly updatedAt: number;
}

/** What the owner edits; `updatedAt` is stamped when it is saved. */
export type ProfileInput = Omit<Profile, 'updatedAt'>;

/** The content record carrying `profile`; its encoder enforces the protocol's limits. */
export function profileContent(profile: Profile, messageId: Uint8Array): Content {
  return {
    type: 'profile',
    messageId,
    sentAt: profile.updatedAt,
    displayName: profile.displayName,
    avatar: profile.avatar,
  };
}

/**
 * Throws the protocol's TOO_LARGE or INVALID_ARGUMENT when `profile` could not be sent (a name or
 * avatar over the limit, an unknown image format), so nothing is stored or queued for it.
 */
export function assertSendable(profile: Profile): void {
  encodeContent(profileContent(profile, new Uint8Array(16)));
}

/** A received profile replaces the stored one only when it was set later. */
export function isNewer(incoming: Profile, current: Profile | undefined): boolean {
  return current === undefined || incoming.updatedAt > current.updatedAt;
}
