// Group state and its one transition, applyGroupOperation. Every member applies the same signed
// operations in the same hash-chained order and so holds the same state; an operation from a
// non-admin, from someone outside the group, or made up by the relay changes nothing.

import { LIMITS } from '../constants';
import { equalBytes, utf8 } from '../encoding/bytes';
import { fail } from '../errors';
import type { AccountIdentity, AccountPublic } from '../identity/account-identity';
import type { Primitives } from '../primitives/primitives';
import type { Ed25519PublicKey } from '../types';
import {
  decodeGroupOperation,
  groupOperationHash,
  signGroupOperation,
  verifyGroupOperationSignature,
  type GroupOperationBody,
} from './group-operation';
import { GROUP_ID_BYTES, type GroupMember } from './group-types';

export interface GroupState {
  readonly groupId: Uint8Array;
  readonly name: string;
  /** Sorted by account id. */
  readonly members: readonly GroupMember[];
  readonly admins: readonly string[];
  /** Increments with every operation. */
  readonly epoch: number;
  /** The epoch of the last removal or departure (or creation): sender keys older than it are refused. */
  readonly keyEpoch: number;
  readonly lastOperationHash: Uint8Array;
  /**
   * The current invite link's public key (group-invite.ts), null when there is none: a join
   * request counts only with a proof under this key, so resetting or revoking the link (a `link`
   * operation) voids every earlier link at once, on every member's device.
   */
  readonly inviteKey: Ed25519PublicKey | null;
}

/** What an applied operation did, for the timeline ("alice added bob"). */
export interface GroupEffect {
  readonly type: GroupOperationBody['type'];
  readonly actor: string;
  readonly target: string | null;
}

function checkName(name: string, context: string): void {
  const length = utf8(name).length;
  if (length === 0 || length > LIMITS.maxGroupNameBytes)
    fail('MALFORMED', `${context}: group name must be 1..256 bytes`);
}

const byId = (a: GroupMember, b: GroupMember): number =>
  a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0;

/** Creates a group: returns the encoded, signed create operation (send it to every member) and the state. */
export function createGroup(
  p: Primitives,
  options: { creator: AccountIdentity; name: string; members: readonly AccountPublic[] },
): { operation: Uint8Array; state: GroupState; effect: GroupEffect } {
  const { creator } = options;
  checkName(options.name, 'createGroup');
  const members = [
    { accountId: creator.accountId, accountKey: creator.accountKey },
    ...options.members
      .filter((m) => m.accountId !== creator.accountId)
      .map((m) => ({ accountId: m.accountId, accountKey: m.accountKey })),
  ].sort(byId);
  const operation = signGroupOperation(p, {
    unsigned: {
      groupId: p.randomBytes(GROUP_ID_BYTES),
      epoch: 1,
      previousHash: new Uint8Array(32),
      signer: creator.accountId,
      body: { type: 'create', name: options.name, members },
    },
    signerSecret: creator.keyPair.secretKey,
  });
  return { operation, ...applyGroupOperation(p, { state: null, operation, creator }) };
}

/** Builds and signs the next operation on `state` (add, remove, promote, rename, leave, link). */
export function proposeGroupOperation(
  p: Primitives,
  options: {
    state: GroupState;
    signer: AccountIdentity;
    body: Exclude<GroupOperationBody, { type: 'create' }>;
  },
): Uint8Array {
  return signGroupOperation(p, {
    unsigned: {
      groupId: options.state.groupId,
      epoch: options.state.epoch + 1,
      previousHash: options.state.lastOperationHash,
      signer: options.signer.accountId,
      body: options.body,
    },
    signerSecret: options.signer.keyPair.secretKey,
  });
}

/**
 * Applies one encoded operation. For `create` (state null) the caller names the creator whose key
 * it trusts (its pinned contact key). Throws, leaving the caller's state as it was:
 * BAD_SIGNATURE, NOT_AUTHORIZED (not a member, not an admin, or a rule broken), WRONG_EPOCH (not the
 * next operation in this group's chain: replayed, reordered or forked), MALFORMED.
 */
export function applyGroupOperation(
  p: Primitives,
  options: { state: GroupState | null; operation: Uint8Array; creator?: AccountPublic },
): { state: GroupState; effect: GroupEffect } {
  const op = decodeGroupOperation(options.operation);
  const { state } = options;
  const context = 'applyGroupOperation';

  if (op.body.type === 'create') {
    const creator = options.creator;
    if (state !== null) fail('WRONG_EPOCH', `${context}: the group already exists`);
    if (creator === undefined || creator.accountId !== op.signer)
      fail('NOT_AUTHORIZED', `${context}: unexpected creator`);
    if (op.epoch !== 1 || !equalBytes(op.previousHash, new Uint8Array(32)))
      fail('WRONG_EPOCH', `${context}: bad create`);
    if (!verifyGroupOperationSignature(p, options.operation, creator.accountKey)) {
      fail('BAD_SIGNATURE', `${context}: signature does not verify`);
    }
    checkName(op.body.name, context);
    const members = [...op.body.members].sort(byId);
    if (members.length > LIMITS.maxGroupMembers) fail('TOO_LARGE', `${context}: too many members`);
    if (new Set(members.map((m) => m.accountId)).size !== members.length)
      fail('MALFORMED', `${context}: duplicate member`);
    const self = members.find((m) => m.accountId === creator.accountId);
    if (self === undefined || !equalBytes(self.accountKey, creator.accountKey)) {
      fail('NOT_AUTHORIZED', `${context}: the creator must be a member with its own key`);
    }
    return {
      state: {
        groupId: op.groupId,
        name: op.body.name,
        members,
        admins: [creator.accountId],
        epoch: 1,
        keyEpoch: 1,
        lastOperationHash: groupOperationHash(p, options.operation),
        inviteKey: null,
      },
      effect: { type: 'create', actor: creator.accountId, target: null },
    };
  }

  if (state === null) fail('WRONG_EPOCH', `${context}: unknown group`);
  if (!equalBytes(op.groupId, state.groupId))
    fail('MALFORMED', `${context}: operation for another group`);
  if (op.epoch !== state.epoch + 1 || !equalBytes(op.previousHash, state.lastOperationHash)) {
    fail('WRONG_EPOCH', `${context}: not the next operation of this group`);
  }
  const signer = state.members.find((m) => m.accountId === op.signer);
  if (signer === undefined) fail('NOT_AUTHORIZED', `${context}: signer is not a member`);
  if (!verifyGroupOperationSignature(p, options.operation, signer.accountKey)) {
    fail('BAD_SIGNATURE', `${context}: signature does not verify`);
  }
  const isAdmin = state.admins.includes(op.signer);
  const isMember = (accountId: string): boolean =>
    state.members.some((m) => m.accountId === accountId);
  const next = {
    ...state,
    epoch: op.epoch,
    lastOperationHash: groupOperationHash(p, options.operation),
  };
  const body = op.body;
  if (body.type !== 'leave' && !isAdmin)
    fail('NOT_AUTHORIZED', `${context}: only admins may ${body.type}`);

  switch (body.type) {
    case 'add':
      if (isMember(body.member.accountId)) fail('NOT_AUTHORIZED', `${context}: already a member`);
      if (state.members.length >= LIMITS.maxGroupMembers)
        fail('TOO_LARGE', `${context}: group is full`);
      return {
        state: { ...next, members: [...state.members, body.member].sort(byId) },
        effect: { type: 'add', actor: op.signer, target: body.member.accountId },
      };
    case 'remove':
      if (!isMember(body.accountId) || body.accountId === op.signer) {
        fail('NOT_AUTHORIZED', `${context}: can only remove another member`);
      }
      return {
        state: {
          ...next,
          members: state.members.filter((m) => m.accountId !== body.accountId),
          admins: state.admins.filter((a) => a !== body.accountId),
          keyEpoch: op.epoch,
        },
        effect: { type: 'remove', actor: op.signer, target: body.accountId },
      };
    case 'promote':
      if (!isMember(body.accountId) || state.admins.includes(body.accountId)) {
        fail('NOT_AUTHORIZED', `${context}: can only promote a member who is not an admin`);
      }
      return {
        state: { ...next, admins: [...state.admins, body.accountId].sort() },
        effect: { type: 'promote', actor: op.signer, target: body.accountId },
      };
    case 'rename':
      checkName(body.name, context);
      return {
        state: { ...next, name: body.name },
        effect: { type: 'rename', actor: op.signer, target: null },
      };
    case 'leave': {
      const remaining = state.members.filter((m) => m.accountId !== op.signer);
      const admins = state.admins.filter((a) => a !== op.signer);
      // The last admin cannot walk away from members who could then never change the group.
      if (admins.length === 0 && remaining.length > 0)
        fail('NOT_AUTHORIZED', `${context}: promote another admin first`);
      return {
        state: { ...next, members: remaining, admins, keyEpoch: op.epoch },
        effect: { type: 'leave', actor: op.signer, target: null },
      };
    }
    case 'link':
      return {
        state: { ...next, inviteKey: body.inviteKey },
        effect: { type: 'link', actor: op.signer, target: null },
      };
  }
}
