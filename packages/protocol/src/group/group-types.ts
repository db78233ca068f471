// Names shared by the group modules.
import type { Ed25519PublicKey } from '../types';

export const GROUP_ID_BYTES = 16;

/** One member device writing to a group. */
export interface GroupSender {
  readonly accountId: string;
  readonly deviceId: number;
}

/** A member account as the group records it: operations are verified against this key. */
export interface GroupMember {
  readonly accountId: string;
  readonly accountKey: Ed25519PublicKey;
}
