import { beforeAll, describe, expect, test } from 'vitest';
import {
  accountPublic,
  createAccountIdentity,
  type AccountIdentity,
} from '../identity/account-identity';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import {
  decodeInviteLink,
  encodeInviteLink,
  inviteKeyPair,
  joinRequestProof,
  verifyJoinRequest,
  type InviteLink,
} from './group-invite';
import { decodeGroupOperation } from './group-operation';
import {
  applyGroupOperation,
  createGroup,
  proposeGroupOperation,
  type GroupState,
} from './group-state';
import { decodeGroupState, encodeGroupState } from './group-state-encoding';

let p: Primitives;
let alice: AccountIdentity;
let bob: AccountIdentity;
let dave: AccountIdentity;
beforeAll(async () => {
  p = await loadPrimitives();
  [alice, bob, dave] = ['alice', 'bob', 'dave'].map((id) => createAccountIdentity(p, id)) as [
    AccountIdentity,
    AccountIdentity,
    AccountIdentity,
  ];
});

/** A group of Alice (admin) and Bob, with a link made by Alice: its state and the link. */
function groupWithLink(): { state: GroupState; link: InviteLink } {
  const created = createGroup(p, {
    creator: alice,
    name: 'Climbing',
    members: [accountPublic(bob)],
  });
  const secret = p.randomBytes(32);
  const operation = proposeGroupOperation(p, {
    state: created.state,
    signer: alice,
    body: { type: 'link', inviteKey: inviteKeyPair(p, secret).publicKey },
  });
  const { state, effect } = applyGroupOperation(p, { state: created.state, operation });
  expect(effect).toEqual({ type: 'link', actor: 'alice', target: null });
  const link = { groupId: state.groupId, secret, name: state.name, admins: [accountPublic(alice)] };
  return { state, link };
}

describe('invite links', () => {
  test('the payload round-trips and refuses what it cannot be', () => {
    const { link } = groupWithLink();
    const bytes = encodeInviteLink(link);
    expect(decodeInviteLink(bytes)).toEqual(link);
    expectProtocolError(() => decodeInviteLink(bytes.subarray(0, bytes.length - 1)), 'TRUNCATED');
    expectProtocolError(
      () => decodeInviteLink(Uint8Array.of(2, ...bytes.subarray(1))),
      'UNKNOWN_VERSION',
    );
    expectProtocolError(() => encodeInviteLink({ ...link, admins: [] }), 'INVALID_ARGUMENT');
  });

  test('a proof made with the link verifies for its requester only', () => {
    const { state, link } = groupWithLink();
    const requester = accountPublic(dave);
    const proof = joinRequestProof(p, { link, requester });
    verifyJoinRequest(p, { state, requester, proof }); // does not throw
    // Someone who saw Dave's request cannot use it as their own.
    expectProtocolError(
      () => verifyJoinRequest(p, { state, requester: accountPublic(bob), proof }),
      'BAD_SIGNATURE',
    );
    // A guessed or tampered proof ("wrong MAC").
    const forged = joinRequestProof(p, { link: { ...link, secret: p.randomBytes(32) }, requester });
    expectProtocolError(
      () => verifyJoinRequest(p, { state, requester, proof: forged }),
      'BAD_SIGNATURE',
    );
  });

  test('resetting the link voids earlier proofs, revoking it voids all', () => {
    const { state, link } = groupWithLink();
    const requester = accountPublic(dave);
    const proof = joinRequestProof(p, { link, requester });
    const newSecret = p.randomBytes(32);
    const reset = applyGroupOperation(p, {
      state,
      operation: proposeGroupOperation(p, {
        state,
        signer: alice,
        body: { type: 'link', inviteKey: inviteKeyPair(p, newSecret).publicKey },
      }),
    }).state;
    expectProtocolError(
      () => verifyJoinRequest(p, { state: reset, requester, proof }),
      'BAD_SIGNATURE',
    );
    const fresh = joinRequestProof(p, { link: { ...link, secret: newSecret }, requester });
    verifyJoinRequest(p, { state: reset, requester, proof: fresh }); // does not throw
    const revokeOp = proposeGroupOperation(p, {
      state: reset,
      signer: alice,
      body: { type: 'link', inviteKey: null },
    });
    expect(decodeGroupOperation(revokeOp).body).toEqual({ type: 'link', inviteKey: null });
    const revoked = applyGroupOperation(p, { state: reset, operation: revokeOp }).state;
    expect(revoked.inviteKey).toBeNull();
    expectProtocolError(
      () => verifyJoinRequest(p, { state: revoked, requester, proof: fresh }),
      'NOT_AUTHORIZED',
    );
  });

  test('only an admin sets the link; the state keeps it across encoding', () => {
    const { state } = groupWithLink();
    const byMember = proposeGroupOperation(p, {
      state,
      signer: bob,
      body: { type: 'link', inviteKey: null },
    });
    expectProtocolError(
      () => applyGroupOperation(p, { state, operation: byMember }),
      'NOT_AUTHORIZED',
    );
    expect(decodeGroupState(encodeGroupState(state))).toEqual(state);
    // A state stored before links existed (version 1, no trailing field) reads as "no link".
    const v2 = encodeGroupState({ ...state, inviteKey: null });
    const v1 = Uint8Array.of(1, ...v2.subarray(1, v2.length - 1));
    expect(decodeGroupState(v1)).toEqual({ ...state, inviteKey: null });
  });
});
