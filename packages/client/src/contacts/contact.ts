// What the client knows about a contact, and the pure rules for identity changes: the first account
// key seen is pinned (trust on first use); a different key later is never accepted silently — it is
// recorded as a pending change that blocks sending until the user acknowledges it, and it clears
// the "verified" mark (DESIGN.md §2).
import { equalBytes, type Ed25519PublicKey } from '@veil/protocol';
import type { Profile } from '../profile/profile';

export interface PendingKeyChange {
  readonly newKey: Ed25519PublicKey;
  readonly seenAt: number;
}

export interface Contact {
  readonly accountId: string;
  readonly accountKey: Ed25519PublicKey;
  readonly verified: boolean;
  readonly pendingKeyChange: PendingKeyChange | null;
  readonly blocked: boolean;
  readonly muted: boolean;
  /** The last device list accepted (encoded, signed), so a rollback can be recognised. */
  readonly deviceList: Uint8Array | null;
  readonly addedAt: number;
  /**
   * The profile they sent us, if any (absent too in rows stored before profiles existed). Chosen by
   * them: shown beside the account id, never instead of it.
   */
  readonly profile?: Profile;
  /**
   * Devices their newer signed list added or removed, until the user has seen it (absent in rows
   * stored before notices existed). Their safety number does not change: it is the account's.
   */
  readonly deviceNotice?: DeviceNotice | null;
}

export interface DeviceNotice {
  /** Names of the devices added (as the list names them), oldest change first. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly at: number;
}

export type IdentityObservation = 'same' | 'changed' | 'already-pending';

export function newContact(accountId: string, accountKey: Ed25519PublicKey, now: number): Contact {
  return {
    accountId,
    accountKey,
    verified: false,
    pendingKeyChange: null,
    blocked: false,
    muted: false,
    deviceList: null,
    addedAt: now,
  };
}

/** Applies an account key seen from the relay or in a message to a known contact. */
export function observeIdentity(
  contact: Contact,
  accountKey: Ed25519PublicKey,
  now: number,
): { contact: Contact; observation: IdentityObservation } {
  if (equalBytes(accountKey, contact.accountKey)) return { contact, observation: 'same' };
  if (
    contact.pendingKeyChange !== null &&
    equalBytes(contact.pendingKeyChange.newKey, accountKey)
  ) {
    return { contact, observation: 'already-pending' };
  }
  return {
    contact: { ...contact, pendingKeyChange: { newKey: accountKey, seenAt: now }, verified: false },
    observation: 'changed',
  };
}

/** The user saw the warning and accepts the new key: it becomes the pinned one, unverified. */
export function acknowledgeKeyChange(contact: Contact): Contact {
  if (contact.pendingKeyChange === null) return contact;
  return {
    ...contact,
    accountKey: contact.pendingKeyChange.newKey,
    pendingKeyChange: null,
    verified: false,
    deviceList: null,
  };
}

/** Sending is blocked while a key change waits for acknowledgement, and to blocked contacts. */
export function canSendTo(contact: Contact): boolean {
  return contact.pendingKeyChange === null && !contact.blocked;
}
