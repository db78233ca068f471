// The account identity: one long-term Ed25519 key per account. It certifies devices, signs device
// lists and group operations, and is what safety numbers are computed from.

import { LIMITS } from '../constants';
import { utf8 } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import type { Ed25519KeyPair, Ed25519PublicKey } from '../types';

/** The public half of an account, as contacts and group members know it. */
export interface AccountPublic {
  readonly accountId: string;
  readonly accountKey: Ed25519PublicKey;
}

/** The full account identity, held only by the account's own devices (inside the vault). */
export interface AccountIdentity extends AccountPublic {
  readonly keyPair: Ed25519KeyPair;
}

export function assertAccountId(accountId: string, context: string): void {
  const length = utf8(accountId).length;
  if (length === 0 || length > LIMITS.maxAccountIdBytes) {
    fail(
      'INVALID_ARGUMENT',
      `${context}: account id must be 1..${LIMITS.maxAccountIdBytes} UTF-8 bytes`,
    );
  }
}

export function createAccountIdentity(p: Primitives, accountId: string): AccountIdentity {
  assertAccountId(accountId, 'createAccountIdentity');
  const keyPair = p.ed25519KeyPair();
  return { accountId, accountKey: keyPair.publicKey, keyPair };
}

export function accountPublic(identity: AccountIdentity): AccountPublic {
  return { accountId: identity.accountId, accountKey: identity.accountKey };
}
