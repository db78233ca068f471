// The group edges that mutation testing (pnpm test:mutation) found unpinned: exact limits (names,
// members, skips), which refusal code each broken rule earns, what the sender-key checks compare,
// the storage encodings' bounds, and that every error names the function that refused.

import { beforeAll, describe, expect, test } from 'vitest';
import { LIMITS } from '../constants';
import { utf8 } from '../encoding/bytes';
import {
  accountPublic,
  createAccountIdentity,
  type AccountIdentity,
} from '../identity/account-identity';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { signGroupOperation } from './group-operation';
import {
  applyGroupOperation,
  createGroup,
  proposeGroupOperation,
  type GroupState,
} from './group-state';
import { decodeGroupState, encodeGroupState } from './group-state-encoding';
import { createOwnSenderKey, groupDecrypt, groupEncrypt, type SenderKeyState } from './sender-key';
import {
  acceptSenderKeyDistribution,
  decodeSenderKeyState,
  encodeSenderKeyDistribution,
  encodeSenderKeyState,
} from './sender-key-encoding';
import type { Ed25519PublicKey } from '../types';
import type { GroupOperationBody } from './group-operation';
import type { GroupMember } from './group-types';

let p: Primitives;
let alice: AccountIdentity;
let bob: AccountIdentity;
let carol: AccountIdentity;
beforeAll(async () => {
  p = await loadPrimitives();
  [alice, bob, carol] = ['alice', 'bob', 'carol'].map((id) => createAccountIdentity(p, id)) as [
    AccountIdentity,
    AccountIdentity,
    AccountIdentity,
  ];
});

function apply(
  state: GroupState,
  signer: AccountIdentity,
  body: Exclude<GroupOperationBody, { type: 'create' }>,
): GroupState {
  return applyGroupOperation(p, {
    state,
    operation: proposeGroupOperation(p, { state, signer, body }),
  }).state;
}

function refused(
  state: GroupState,
  signer: AccountIdentity,
  body: Exclude<GroupOperationBody, { type: 'create' }>,
  code: Parameters<typeof expectProtocolError>[1],
): void {
  const operation = proposeGroupOperation(p, { state, signer, body });
  const error = expectProtocolError(() => applyGroupOperation(p, { state, operation }), code);
  expect(error.message).toMatch(/^applyGroupOperation:/);
}

/** A create operation as a hostile or buggy creator could sign it, bypassing createGroup's care. */
function signedCreate(
  members: readonly { accountId: string; accountKey: Uint8Array }[],
  name = 'g',
): Uint8Array {
  return signGroupOperation(p, {
    unsigned: {
      groupId: new Uint8Array(16).fill(1),
      epoch: 1,
      previousHash: new Uint8Array(32),
      signer: 'alice',
      body: { type: 'create', name, members: members as never },
    },
    signerSecret: alice.keyPair.secretKey,
  });
}

const fakeMembers = (count: number): GroupMember[] =>
  Array.from({ length: count }, (_, i) => ({
    accountId: `m${String(i).padStart(4, '0')}`,
    accountKey: new Uint8Array(32).fill(i % 251) as Ed25519PublicKey,
  }));

describe('group operation rules', () => {
  test('names: 1..256 UTF-8 bytes on create and rename', () => {
    const longest = 'n'.repeat(LIMITS.maxGroupNameBytes);
    const { state } = createGroup(p, {
      creator: alice,
      name: longest,
      members: [accountPublic(bob)],
    });
    expect(state.name).toBe(longest);
    for (const name of ['', 'n'.repeat(LIMITS.maxGroupNameBytes + 1)]) {
      const error = expectProtocolError(
        () => createGroup(p, { creator: alice, name, members: [] }),
        'MALFORMED',
      );
      expect(error.message).toMatch(/^createGroup:/);
    }
    refused(state, alice, { type: 'rename', name: '' }, 'MALFORMED');
    // A longer name does not even decode.
    const long = proposeGroupOperation(p, {
      state,
      signer: alice,
      body: { type: 'rename', name: 'n'.repeat(LIMITS.maxGroupNameBytes + 1) },
    });
    expectProtocolError(() => applyGroupOperation(p, { state, operation: long }), 'TOO_LARGE');
    expect(apply(state, alice, { type: 'rename', name: 'x' }).name).toBe('x');
  });

  test('a create is checked: its creator, its chain position, its members', () => {
    const self = { accountId: 'alice', accountKey: alice.accountKey };
    const ok = applyGroupOperation(p, {
      state: null,
      operation: signedCreate([self]),
      creator: accountPublic(alice),
    });
    expect(ok.state.members).toHaveLength(1);
    const codeOf = (
      operation: Uint8Array,
      creator = accountPublic(alice),
      state: GroupState | null = null,
    ) =>
      expectProtocolError(
        () => applyGroupOperation(p, { state, operation, creator }),
        'NOT_AUTHORIZED',
      );
    // Another creator than the one we trust, and a creator missing from (or keyed wrongly in) the list.
    codeOf(signedCreate([self]), accountPublic(bob));
    expectProtocolError(
      () => applyGroupOperation(p, { state: null, operation: signedCreate([self]) }),
      'NOT_AUTHORIZED',
    );
    codeOf(signedCreate([{ accountId: 'bob', accountKey: bob.accountKey }]));
    codeOf(signedCreate([{ accountId: 'alice', accountKey: bob.accountKey }]));
    expectProtocolError(
      () =>
        applyGroupOperation(p, {
          state: ok.state,
          operation: signedCreate([self]),
          creator: accountPublic(alice),
        }),
      'WRONG_EPOCH',
    );
    const duplicate = expectProtocolError(
      () =>
        applyGroupOperation(p, {
          state: null,
          operation: signedCreate([
            self,
            { accountId: 'bob', accountKey: bob.accountKey },
            { accountId: 'bob', accountKey: bob.accountKey },
          ]),
          creator: accountPublic(alice),
        }),
      'MALFORMED',
    );
    expect(duplicate.message).toMatch(/^applyGroupOperation:/);
  });

  test(`at most ${LIMITS.maxGroupMembers} members: a full create is accepted, a full group refuses one more`, () => {
    const self = { accountId: 'alice', accountKey: alice.accountKey };
    const full = applyGroupOperation(p, {
      state: null,
      operation: signedCreate([self, ...fakeMembers(LIMITS.maxGroupMembers - 1)]),
      creator: accountPublic(alice),
    }).state;
    expect(full.members).toHaveLength(LIMITS.maxGroupMembers);
    refused(full, alice, { type: 'add', member: accountPublic(bob) }, 'TOO_LARGE');
    const roomForOne = apply(full, alice, { type: 'remove', accountId: 'm0000' });
    expect(
      apply(roomForOne, alice, { type: 'add', member: accountPublic(bob) }).members,
    ).toHaveLength(LIMITS.maxGroupMembers);
  });

  test('remove, promote and add refuse what makes no sense, and only admins may act', () => {
    const { state: created } = createGroup(p, {
      creator: alice,
      name: 'g',
      members: [accountPublic(bob)],
    });
    refused(created, alice, { type: 'remove', accountId: 'alice' }, 'NOT_AUTHORIZED');
    refused(created, alice, { type: 'remove', accountId: 'carol' }, 'NOT_AUTHORIZED');
    refused(created, alice, { type: 'promote', accountId: 'carol' }, 'NOT_AUTHORIZED');
    refused(created, alice, { type: 'promote', accountId: 'alice' }, 'NOT_AUTHORIZED');
    refused(created, alice, { type: 'add', member: accountPublic(bob) }, 'NOT_AUTHORIZED');
    refused(created, bob, { type: 'rename', name: 'mine' }, 'NOT_AUTHORIZED');
    // A member who is not an admin may leave; the group's key epoch moves on.
    const withCarol = apply(created, alice, { type: 'add', member: accountPublic(carol) });
    const left = apply(withCarol, bob, { type: 'leave' });
    expect(left.members.map((m) => m.accountId)).toEqual(['alice', 'carol']);
    expect(left.keyEpoch).toBe(left.epoch);
    // The last admin alone may leave: no member is left behind without an admin.
    const alone = createGroup(p, { creator: alice, name: 'g', members: [] }).state;
    expect(apply(alone, alice, { type: 'leave' }).members).toHaveLength(0);
  });

  test('an operation for another group is MALFORMED, a non-member signer NOT_AUTHORIZED', () => {
    const one = createGroup(p, {
      creator: alice,
      name: 'one',
      members: [accountPublic(bob)],
    }).state;
    const two = createGroup(p, {
      creator: alice,
      name: 'two',
      members: [accountPublic(bob)],
    }).state;
    const operation = proposeGroupOperation(p, {
      state: { ...one, epoch: two.epoch, lastOperationHash: two.lastOperationHash },
      signer: alice,
      body: { type: 'rename', name: 'x' },
    });
    expectProtocolError(() => applyGroupOperation(p, { state: two, operation }), 'MALFORMED');
    refused(one, carol, { type: 'leave' }, 'NOT_AUTHORIZED');
  });
});

describe('sender-key rules', () => {
  function chains(): { own: SenderKeyState; theirs: SenderKeyState; groupId: Uint8Array } {
    const groupId = new Uint8Array(16).fill(9);
    const own = createOwnSenderKey(p, {
      groupId,
      epoch: 3,
      sender: { accountId: 'alice', deviceId: 1 },
    });
    return { own, theirs: acceptSenderKeyDistribution(encodeSenderKeyDistribution(own)), groupId };
  }

  test('own keys need a 16-byte group id; only own keys encrypt; the size limit is exact', () => {
    expect(
      expectProtocolError(
        () =>
          createOwnSenderKey(p, {
            groupId: new Uint8Array(15),
            epoch: 1,
            sender: { accountId: 'a', deviceId: 1 },
          }),
        'INVALID_ARGUMENT',
      ).message,
    ).toMatch(/^createOwnSenderKey:/);
    const { own, theirs } = chains();
    expect(
      expectProtocolError(() => groupEncrypt(p, theirs, utf8('x')), 'INVALID_ARGUMENT').message,
    ).toMatch(/^groupEncrypt:/);
    const max = new Uint8Array(LIMITS.maxMessageBytes);
    const out = groupEncrypt(p, own, max);
    expect(
      groupDecrypt(p, { state: theirs, message: out.message, minimumEpoch: 3 }).plaintext,
    ).toEqual(max);
    expect(
      expectProtocolError(
        () => groupEncrypt(p, own, new Uint8Array(LIMITS.maxMessageBytes + 1)),
        'TOO_LARGE',
      ).message,
    ).toMatch(/^groupEncrypt:/);
  });

  test('epoch, sender, chain and group are each compared', () => {
    const { own, theirs } = chains();
    const message = groupEncrypt(p, own, utf8('x')).message;
    const decrypt =
      (state: SenderKeyState, minimumEpoch = 0) =>
      () =>
        groupDecrypt(p, { state, message, minimumEpoch });
    expect(groupDecrypt(p, { state: theirs, message, minimumEpoch: 3 }).plaintext).toEqual(
      utf8('x'),
    );
    expectProtocolError(decrypt(theirs, 4), 'WRONG_EPOCH');
    expectProtocolError(decrypt({ ...theirs, epoch: 2 }), 'WRONG_EPOCH');
    for (const state of [
      { ...theirs, sender: { accountId: 'bob', deviceId: 1 } },
      { ...theirs, sender: { accountId: 'alice', deviceId: 2 } },
      { ...theirs, chainId: (theirs.chainId + 1) >>> 0 },
      { ...theirs, groupId: new Uint8Array(16).fill(8) },
      { ...theirs, groupId: new Uint8Array(17).fill(9) },
    ]) {
      const error = expectProtocolError(decrypt(state), 'UNKNOWN_SENDER');
      expect(error.message).toMatch(/^groupDecrypt:/);
    }
    expectProtocolError(
      decrypt({ ...theirs, signingKey: chains().own.signingKey }),
      'BAD_SIGNATURE',
    );
  });

  test(`exactly ${LIMITS.maxSkip} skipped keys are allowed; a skipped key opens once`, () => {
    const { own, theirs } = chains();
    let chain = own;
    const sent: Uint8Array[] = [];
    for (let i = 0; i <= LIMITS.maxSkip + 1; i++) {
      const out = groupEncrypt(p, chain, utf8(`m${i}`));
      chain = out.state;
      sent.push(out.message);
    }
    const refusal = expectProtocolError(
      () => groupDecrypt(p, { state: theirs, message: sent[LIMITS.maxSkip + 1]!, minimumEpoch: 0 }),
      'TOO_MANY_SKIPPED',
    );
    expect(refusal.message).toBe(`groupDecrypt: message skips more than ${LIMITS.maxSkip} keys`);
    const far = groupDecrypt(p, { state: theirs, message: sent[LIMITS.maxSkip]!, minimumEpoch: 0 });
    expect(far.state.skipped.size).toBe(LIMITS.maxSkip);
    expect(far.state.iteration).toBe(LIMITS.maxSkip + 1);
    const early = groupDecrypt(p, { state: far.state, message: sent[7]!, minimumEpoch: 0 });
    expect(early.plaintext).toEqual(utf8('m7'));
    expect(early.state.skipped.size).toBe(LIMITS.maxSkip - 1);
    expect(early.state.iteration).toBe(far.state.iteration);
    expectProtocolError(
      () => groupDecrypt(p, { state: early.state, message: sent[7]!, minimumEpoch: 0 }),
      'REPLAY',
    );
    // An in-order message after the gap leaves the stored keys alone.
    const next = groupDecrypt(p, {
      state: early.state,
      message: sent[LIMITS.maxSkip + 1]!,
      minimumEpoch: 0,
    });
    expect(next.state.skipped.size).toBe(LIMITS.maxSkip - 1);
  });

  test(`at most ${LIMITS.maxStoredSkippedKeys} skipped keys are stored, the oldest evicted first`, () => {
    const { own, theirs } = chains();
    let chain = own;
    let receiver = theirs;
    const first: Uint8Array[] = [];
    // Three gaps of 900: 2,700 skipped, 700 evicted.
    for (let gap = 0; gap < 3; gap++) {
      let last: Uint8Array = new Uint8Array(0);
      for (let i = 0; i <= 900; i++) {
        const out = groupEncrypt(p, chain, utf8(`g${gap}m${i}`));
        chain = out.state;
        if (gap === 0 && i < 2) first.push(out.message);
        last = out.message;
      }
      receiver = groupDecrypt(p, { state: receiver, message: last, minimumEpoch: 0 }).state;
    }
    expect(receiver.skipped.size).toBe(LIMITS.maxStoredSkippedKeys);
    expectProtocolError(
      () => groupDecrypt(p, { state: receiver, message: first[0]!, minimumEpoch: 0 }),
      'REPLAY',
    );
    expect(decodeSenderKeyState(encodeSenderKeyState(receiver))).toEqual(receiver);
  });
});

describe('group storage encodings', () => {
  test('sender-key state: a bad flag or too many skipped keys is MALFORMED', () => {
    const { state } = createGroup(p, { creator: alice, name: 'g', members: [] });
    const own = createOwnSenderKey(p, {
      groupId: state.groupId,
      epoch: 1,
      sender: { accountId: 'alice', deviceId: 1 },
    });
    const encoded = encodeSenderKeyState(own);
    // version | 16 group | u64 epoch | u16+5 'alice' | u32 device | u32 chain | u32 iteration | 32 | 32
    const flagAt = 1 + 16 + 8 + 2 + 5 + 4 + 4 + 4 + 32 + 32;
    const flag = encoded.slice();
    flag[flagAt] = 2;
    expect(expectProtocolError(() => decodeSenderKeyState(flag), 'MALFORMED').message).toMatch(
      /^decodeSenderKeyState:/,
    );
    const skipped = new Map(
      Array.from({ length: LIMITS.maxStoredSkippedKeys + 1 }, (_, i) => [i, new Uint8Array(32)]),
    );
    expectProtocolError(
      () => decodeSenderKeyState(encodeSenderKeyState({ ...own, skipped })),
      'MALFORMED',
    );
    skipped.delete(0);
    expect(decodeSenderKeyState(encodeSenderKeyState({ ...own, skipped })).skipped.size).toBe(
      LIMITS.maxStoredSkippedKeys,
    );
    expect(
      expectProtocolError(() => decodeSenderKeyState(encoded.subarray(0, 20)), 'TRUNCATED').message,
    ).toMatch(/^decodeSenderKeyState:/);
    expect(
      expectProtocolError(
        () =>
          acceptSenderKeyDistribution(
            Uint8Array.of(9, ...encodeSenderKeyDistribution(own).subarray(1)),
          ),
        'UNKNOWN_VERSION',
      ).message,
    ).toMatch(/^acceptSenderKeyDistribution:/);
  });

  test('group state: more admins than members or too many members is refused', () => {
    const { state } = createGroup(p, { creator: alice, name: 'g', members: [accountPublic(bob)] });
    expect(decodeGroupState(encodeGroupState(state))).toEqual(state);
    const admins = { ...state, admins: ['alice', 'bob', 'carol'] };
    expect(
      expectProtocolError(() => decodeGroupState(encodeGroupState(admins)), 'MALFORMED').message,
    ).toMatch(/^decodeGroupState:/);
    const allAdmins = { ...state, admins: ['alice', 'bob'] };
    expect(decodeGroupState(encodeGroupState(allAdmins)).admins).toEqual(['alice', 'bob']);
    const crowded = { ...state, members: fakeMembers(LIMITS.maxGroupMembers + 1) };
    expectProtocolError(() => decodeGroupState(encodeGroupState(crowded)), 'TOO_LARGE');
    const full = { ...state, members: fakeMembers(LIMITS.maxGroupMembers), admins: [] };
    expect(decodeGroupState(encodeGroupState(full)).members).toHaveLength(LIMITS.maxGroupMembers);
  });

  test('a create listing too many members is refused by the decoder', () => {
    const error = expectProtocolError(
      () =>
        applyGroupOperation(p, {
          state: null,
          operation: signedCreate(fakeMembers(LIMITS.maxGroupMembers + 1)),
          creator: accountPublic(alice),
        }),
      'TOO_LARGE',
    );
    expect(error.message).toMatch(/^decodeGroupOperation:/);
  });
});
