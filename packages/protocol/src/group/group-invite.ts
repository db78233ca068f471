// Group invite links (DESIGN.md §4): a shareable secret that lets its holder ask a group's admins to
// be added, and nothing more. The link's secret derives an Ed25519 key pair; the group records only
// the public half (a `link` operation, signed by an admin), so every admin can check a request's
// proof without the secret ever being handed around, and one `link` operation resets or revokes
// the link for everyone at once. The secret travels only in the URL fragment, which browsers do
// not send to the relay.
//
// Link payload (version 1):
//   u8 version | 16 groupId | 32 secret | u16 len + group name
//   | u8 n (1..8) | n × (u16 len + admin accountId | 32 admin accountKey)
// The name and the admins are in clear inside the payload: whoever holds the link holds the secret
// too, so encrypting them under it would hide nothing from anyone who can read them.
//
// inviteKey = Ed25519 key pair from seed HKDF-Expand(secret, "Veil_GroupInviteKey_v1", 32)
// proof     = Ed25519-Sign(inviteKey.secret, "Veil_GroupJoinRequest_v1" || 16 groupId
//             || u16 len + requester accountId || 32 requester accountKey)
// The proof names the requester's account key, so a request cannot be replayed by anyone else, and
// an admin who receives it over the pairwise session checks that the key is the session's.

import { LABEL, LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes, utf8 } from '../encoding/bytes';
import { fail } from '../errors';
import { assertAccountId, type AccountPublic } from '../identity/account-identity';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { Ed25519KeyPair, Ed25519PublicKey } from '../types';
import type { GroupState } from './group-state';
import { GROUP_ID_BYTES, type GroupMember } from './group-types';

export const INVITE_SECRET_BYTES = 32;

/** What an invite link's fragment carries. */
export interface InviteLink {
  readonly groupId: Uint8Array;
  readonly secret: Uint8Array;
  readonly name: string;
  /** Whom the holder asks: the admins when the link was made, with the keys the group records. */
  readonly admins: readonly GroupMember[];
}

export function encodeInviteLink(link: InviteLink): Uint8Array {
  const context = 'encodeInviteLink';
  if (link.admins.length === 0 || link.admins.length > LIMITS.maxInviteAdmins)
    fail('INVALID_ARGUMENT', `${context}: a link names 1..${LIMITS.maxInviteAdmins} admins`);
  const nameBytes = utf8(link.name).length;
  if (nameBytes === 0 || nameBytes > LIMITS.maxGroupNameBytes)
    fail('INVALID_ARGUMENT', `${context}: group name must be 1..256 bytes`);
  for (const admin of link.admins) assertAccountId(admin.accountId, context);
  const writer = new ByteWriter(128)
    .u8(VERSION.groupInvite)
    .fixed(link.groupId, GROUP_ID_BYTES)
    .fixed(link.secret, INVITE_SECRET_BYTES)
    .string(link.name)
    .u8(link.admins.length);
  for (const admin of link.admins)
    writer.string(admin.accountId).fixed(admin.accountKey, SIZES.ed25519PublicKey);
  return writer.finish();
}

export function decodeInviteLink(bytes: Uint8Array): InviteLink {
  const reader = new ByteReader(bytes, 'decodeInviteLink');
  reader.version(VERSION.groupInvite);
  const groupId = reader.fixed(GROUP_ID_BYTES);
  const secret = reader.fixed(INVITE_SECRET_BYTES);
  const name = reader.string(LIMITS.maxGroupNameBytes);
  if (name === '') fail('MALFORMED', 'decodeInviteLink: empty group name');
  const count = reader.u8();
  if (count === 0 || count > LIMITS.maxInviteAdmins)
    fail('MALFORMED', 'decodeInviteLink: bad admin count');
  const admins = Array.from({ length: count }, () => {
    const accountId = reader.string(LIMITS.maxAccountIdBytes);
    if (accountId === '') fail('MALFORMED', 'decodeInviteLink: an admin without an account id');
    return { accountId, accountKey: reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey };
  });
  reader.end();
  return { groupId, secret, name, admins };
}

/** The key pair a link's secret stands for; its public half is what the group records. */
export function inviteKeyPair(p: Primitives, secret: Uint8Array): Ed25519KeyPair {
  if (secret.length !== INVITE_SECRET_BYTES)
    fail('INVALID_ARGUMENT', 'inviteKeyPair: secret must be 32 bytes');
  return p.ed25519KeyPairFromSeed(p.hkdfExpand(secret, LABEL.groupInviteKey, SIZES.ed25519Seed));
}

function requestTranscript(groupId: Uint8Array, requester: AccountPublic): Uint8Array {
  const body = new ByteWriter(96)
    .fixed(groupId, GROUP_ID_BYTES)
    .string(requester.accountId)
    .fixed(requester.accountKey, SIZES.ed25519PublicKey)
    .finish();
  return concatBytes(LABEL.groupJoinRequest, body);
}

/** The holder's proof that it knows the link's secret, bound to its own account. */
export function joinRequestProof(
  p: Primitives,
  options: { link: InviteLink; requester: AccountPublic },
): Uint8Array {
  const { secretKey } = inviteKeyPair(p, options.link.secret);
  return p.sign(secretKey, requestTranscript(options.link.groupId, options.requester));
}

/**
 * Checks a join request against the group's current link. Throws NOT_AUTHORIZED when the group has
 * no link (revoked) and BAD_SIGNATURE when the proof was not made with the current link's secret
 * (forged, or made with a link since reset) or not for this requester.
 */
export function verifyJoinRequest(
  p: Primitives,
  options: { state: GroupState; requester: AccountPublic; proof: Uint8Array },
): void {
  const { state } = options;
  if (state.inviteKey === null)
    fail('NOT_AUTHORIZED', 'verifyJoinRequest: the group has no invite link');
  if (options.proof.length !== SIZES.signature)
    fail('MALFORMED', 'verifyJoinRequest: a proof is 64 bytes');
  const transcript = requestTranscript(state.groupId, options.requester);
  if (!p.verify(state.inviteKey, transcript, options.proof))
    fail('BAD_SIGNATURE', 'verifyJoinRequest: the proof does not verify under the current link');
}
