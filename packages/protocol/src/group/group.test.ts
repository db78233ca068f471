import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { equalBytes, utf8 } from '../encoding/bytes';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import {
  accountPublic,
  createAccountIdentity,
  type AccountIdentity,
} from '../identity/account-identity';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { decodeGroupOperation, signGroupOperation } from './group-operation';
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

let p: Primitives;
let alice: AccountIdentity;
let bob: AccountIdentity;
let carol: AccountIdentity;
let dave: AccountIdentity;
beforeAll(async () => {
  p = await loadPrimitives();
  [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((id) =>
    createAccountIdentity(p, id),
  ) as [AccountIdentity, AccountIdentity, AccountIdentity, AccountIdentity];
});

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

/** Each member's own chain and its receiving copies of everyone else's, for one key epoch. */
function distribute(state: GroupState, names: readonly string[]) {
  const own = new Map<string, SenderKeyState>();
  for (const name of names) {
    own.set(
      name,
      createOwnSenderKey(p, {
        groupId: state.groupId,
        epoch: state.keyEpoch,
        sender: { accountId: name, deviceId: 1 },
      }),
    );
  }
  const receiving = new Map<string, Map<string, SenderKeyState>>();
  for (const reader of names) {
    const map = new Map<string, SenderKeyState>();
    for (const writer of names) {
      if (writer !== reader)
        map.set(writer, acceptSenderKeyDistribution(encodeSenderKeyDistribution(own.get(writer)!)));
    }
    receiving.set(reader, map);
  }
  return { own, receiving };
}

describe('group state and operations', () => {
  test('create, add, promote, rename, remove and leave apply on every member alike', () => {
    const created = createGroup(p, {
      creator: alice,
      name: 'Climbing',
      members: [accountPublic(bob), accountPublic(carol)],
    });
    const atBob = applyGroupOperation(p, {
      state: null,
      operation: created.operation,
      creator: accountPublic(alice),
    });
    expect(atBob.state).toEqual(created.state);
    let state = created.state;
    const steps: [AccountIdentity, Parameters<typeof proposeGroupOperation>[1]['body']][] = [
      [alice, { type: 'add', member: accountPublic(dave) }],
      [alice, { type: 'promote', accountId: 'bob' }],
      [bob, { type: 'rename', name: 'Bouldering' }],
      [bob, { type: 'remove', accountId: 'carol' }],
      [dave, { type: 'leave' }],
    ];
    const effects: string[] = [];
    for (const [signer, body] of steps) {
      const operation = proposeGroupOperation(p, { state, signer, body });
      const result = applyGroupOperation(p, { state, operation });
      effects.push(
        `${result.effect.actor} ${result.effect.type} ${result.effect.target ?? ''}`.trim(),
      );
      state = result.state;
    }
    expect(effects).toEqual([
      'alice add dave',
      'alice promote bob',
      'bob rename',
      'bob remove carol',
      'dave leave',
    ]);
    expect(state.members.map((m) => m.accountId)).toEqual(['alice', 'bob']);
    expect(state.admins).toEqual(['alice', 'bob']);
    expect(state.name).toBe('Bouldering');
    expect(state.epoch).toBe(6);
    expect(state.keyEpoch).toBe(6);
    expect(decodeGroupState(encodeGroupState(state))).toEqual(state);
  });

  test('an operation signed by a non-admin is refused and changes nothing', () => {
    const { state } = createGroup(p, { creator: alice, name: 'g', members: [accountPublic(bob)] });
    const before = encodeGroupState(state);
    for (const body of [
      { type: 'add', member: accountPublic(carol) },
      { type: 'remove', accountId: 'alice' },
      { type: 'promote', accountId: 'bob' },
      { type: 'rename', name: 'mine now' },
    ] as const) {
      const operation = proposeGroupOperation(p, { state, signer: bob, body });
      expect(codeOf(() => applyGroupOperation(p, { state, operation }))).toBe('NOT_AUTHORIZED');
    }
    expect(equalBytes(encodeGroupState(state), before)).toBe(true);
  });

  test('operations injected by the relay are refused: stranger, forged, flipped, replayed, forked', () => {
    const { state: s1 } = createGroup(p, {
      creator: alice,
      name: 'g',
      members: [accountPublic(bob)],
    });
    const addCarol = proposeGroupOperation(p, {
      state: s1,
      signer: alice,
      body: { type: 'add', member: accountPublic(carol) },
    });
    const s2 = applyGroupOperation(p, { state: s1, operation: addCarol }).state;

    // A key that is not in the group, even claiming to be the admin.
    const mallory = createAccountIdentity(p, 'alice');
    const forged = proposeGroupOperation(p, {
      state: s2,
      signer: mallory,
      body: { type: 'add', member: accountPublic(dave) },
    });
    expect(codeOf(() => applyGroupOperation(p, { state: s2, operation: forged }))).toBe(
      'BAD_SIGNATURE',
    );
    const stranger = proposeGroupOperation(p, {
      state: s2,
      signer: dave,
      body: { type: 'add', member: accountPublic(dave) },
    });
    expect(codeOf(() => applyGroupOperation(p, { state: s2, operation: stranger }))).toBe(
      'NOT_AUTHORIZED',
    );
    // A genuine operation with one flipped byte anywhere.
    const genuine = proposeGroupOperation(p, {
      state: s2,
      signer: alice,
      body: { type: 'rename', name: 'x' },
    });
    fc.assert(
      fc.property(fc.nat(genuine.length - 1), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const tampered = genuine.slice();
        tampered[index]! ^= mask;
        expect(codeOf(() => applyGroupOperation(p, { state: s2, operation: tampered }))).not.toBe(
          'none',
        );
      }),
      { numRuns: 300 },
    );
    // Replay of an earlier operation, and a fork from an old state.
    expect(codeOf(() => applyGroupOperation(p, { state: s2, operation: addCarol }))).toBe(
      'WRONG_EPOCH',
    );
    const fork = proposeGroupOperation(p, {
      state: s1,
      signer: alice,
      body: { type: 'rename', name: 'fork' },
    });
    expect(codeOf(() => applyGroupOperation(p, { state: s2, operation: fork }))).toBe(
      'WRONG_EPOCH',
    );
    // A create with a key other than the one the member pinned for the creator.
    const created = createGroup(p, {
      creator: mallory,
      name: 'evil',
      members: [accountPublic(bob)],
    });
    expect(
      codeOf(() =>
        applyGroupOperation(p, {
          state: null,
          operation: created.operation,
          creator: accountPublic(alice),
        }),
      ),
    ).toBe('BAD_SIGNATURE');
  });

  test('the last admin must promote someone before leaving', () => {
    const { state } = createGroup(p, { creator: alice, name: 'g', members: [accountPublic(bob)] });
    const leave = proposeGroupOperation(p, { state, signer: alice, body: { type: 'leave' } });
    expect(codeOf(() => applyGroupOperation(p, { state, operation: leave }))).toBe(
      'NOT_AUTHORIZED',
    );
    const promoted = applyGroupOperation(p, {
      state,
      operation: proposeGroupOperation(p, {
        state,
        signer: alice,
        body: { type: 'promote', accountId: 'bob' },
      }),
    }).state;
    const left = applyGroupOperation(p, {
      state: promoted,
      operation: proposeGroupOperation(p, {
        state: promoted,
        signer: alice,
        body: { type: 'leave' },
      }),
    });
    expect(left.state.admins).toEqual(['bob']);
  });

  test('wrong versions, unknown types and truncation are refused with their codes', () => {
    const { operation } = createGroup(p, { creator: alice, name: 'g', members: [] });
    const wrong = operation.slice();
    wrong[0] = 3;
    expect(codeOf(() => decodeGroupOperation(wrong))).toBe('UNKNOWN_VERSION');
    expect(codeOf(() => decodeGroupOperation(operation.subarray(0, 40)))).toBe('TRUNCATED');
    const unsigned = decodeGroupOperation(operation);
    const bytes = signGroupOperation(p, { unsigned, signerSecret: alice.keyPair.secretKey });
    expect(bytes).toEqual(operation);
  });
});

describe('sender keys', () => {
  test('four members exchange messages in random order with gaps; every message decrypts once', () => {
    const { state } = createGroup(p, {
      creator: alice,
      name: 'g',
      members: [bob, carol, dave].map(accountPublic),
    });
    const names = ['alice', 'bob', 'carol', 'dave'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3), fc.uint8Array({ maxLength: 40 }), fc.boolean()), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.nat(), { maxLength: 200 }),
        (sends, order) => {
          const { own, receiving } = distribute(state, names);
          const inFlight: { from: string; message: Uint8Array; text: Uint8Array; drop: boolean }[] =
            [];
          for (const [who, text, drop] of sends) {
            const from = names[who]!;
            const out = groupEncrypt(p, own.get(from)!, text);
            own.set(from, out.state);
            inFlight.push({ from, message: out.message, text, drop });
          }
          // Deliver the kept messages to every other member in a shuffled order.
          const kept = inFlight.filter((m) => !m.drop);
          const shuffled = kept
            .map((m, i) => ({ m, key: order[i] ?? i }))
            .sort((a, b) => a.key - b.key);
          for (const { m } of shuffled) {
            for (const reader of names) {
              if (reader === m.from) continue;
              const chains = receiving.get(reader)!;
              const out = groupDecrypt(p, {
                state: chains.get(m.from)!,
                message: m.message,
                minimumEpoch: state.keyEpoch,
              });
              expect(equalBytes(out.plaintext, m.text)).toBe(true);
              chains.set(m.from, out.state);
              // The same message again is a replay.
              expect(
                codeOf(() =>
                  groupDecrypt(p, { state: out.state, message: m.message, minimumEpoch: 0 }),
                ),
              ).toBe('REPLAY');
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  test('a removed member decrypts nothing sent after the removal', () => {
    const created = createGroup(p, {
      creator: alice,
      name: 'g',
      members: [bob, carol].map(accountPublic),
    });
    const before = distribute(created.state, ['alice', 'bob', 'carol']);
    const removal = proposeGroupOperation(p, {
      state: created.state,
      signer: alice,
      body: { type: 'remove', accountId: 'carol' },
    });
    const after = applyGroupOperation(p, { state: created.state, operation: removal }).state;
    // Every remaining member rotates to a new chain in the new key epoch, distributed to remaining members only.
    const rotated = distribute(after, ['alice', 'bob']);
    const carolsOldChains = before.receiving.get('carol')!;
    let aliceChain = rotated.own.get('alice')!;
    for (let i = 0; i < 20; i++) {
      const out = groupEncrypt(p, aliceChain, utf8(`after removal ${i}`));
      aliceChain = out.state;
      // Bob reads it; Carol, holding every old chain (even Alice's old one), reads nothing.
      const atBob = groupDecrypt(p, {
        state: rotated.receiving.get('bob')!.get('alice')!,
        message: out.message,
        minimumEpoch: after.keyEpoch,
      });
      rotated.receiving.get('bob')!.set('alice', atBob.state);
      for (const chain of carolsOldChains.values()) {
        expect(
          codeOf(() => groupDecrypt(p, { state: chain, message: out.message, minimumEpoch: 0 })),
        ).not.toBe('none');
      }
    }
    // And old-epoch chains are refused by the remaining members once the removal is applied.
    const oldMessage = groupEncrypt(p, before.own.get('carol')!, utf8('still here?')).message;
    expect(
      codeOf(() =>
        groupDecrypt(p, {
          state: before.receiving.get('bob')!.get('carol')!,
          message: oldMessage,
          minimumEpoch: after.keyEpoch,
        }),
      ),
    ).toBe('WRONG_EPOCH');
  });

  test('tampered messages are refused with the chain unchanged; skipping beyond MAX_SKIP is refused', () => {
    const { state } = createGroup(p, { creator: alice, name: 'g', members: [accountPublic(bob)] });
    const { own, receiving } = distribute(state, ['alice', 'bob']);
    const bobsView = receiving.get('bob')!.get('alice')!;
    const out = groupEncrypt(p, own.get('alice')!, utf8('hello'));
    const before = encodeSenderKeyState(bobsView);
    fc.assert(
      fc.property(
        fc.nat(out.message.length - 1),
        fc.integer({ min: 1, max: 255 }),
        (index, mask) => {
          const tampered = out.message.slice();
          tampered[index]! ^= mask;
          expect(
            codeOf(() => groupDecrypt(p, { state: bobsView, message: tampered, minimumEpoch: 0 })),
          ).not.toBe('none');
          expect(equalBytes(encodeSenderKeyState(bobsView), before)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    expect(
      groupDecrypt(p, { state: bobsView, message: out.message, minimumEpoch: 0 }).plaintext,
    ).toEqual(utf8('hello'));

    let chain = out.state;
    let last = out.message;
    for (let i = 0; i < 1002; i++) {
      const next = groupEncrypt(p, chain, utf8('x'));
      chain = next.state;
      last = next.message;
    }
    expect(codeOf(() => groupDecrypt(p, { state: bobsView, message: last, minimumEpoch: 0 }))).toBe(
      'TOO_MANY_SKIPPED',
    );
    const wrong = out.message.slice();
    wrong[0] = 2;
    expect(
      codeOf(() => groupDecrypt(p, { state: bobsView, message: wrong, minimumEpoch: 0 })),
    ).toBe('UNKNOWN_VERSION');
    expect(
      codeOf(() =>
        groupDecrypt(p, { state: bobsView, message: out.message.subarray(0, 30), minimumEpoch: 0 }),
      ),
    ).toBe('TRUNCATED');
  });

  test('sender-key state and distribution encodings round-trip', () => {
    const { state } = createGroup(p, { creator: alice, name: 'g', members: [] });
    const own = createOwnSenderKey(p, {
      groupId: state.groupId,
      epoch: 1,
      sender: { accountId: 'alice', deviceId: 3 },
    });
    const advanced = groupEncrypt(p, own, utf8('a')).state;
    expect(decodeSenderKeyState(encodeSenderKeyState(advanced))).toEqual(advanced);
    const received = acceptSenderKeyDistribution(encodeSenderKeyDistribution(advanced));
    expect(received.signingSecret).toBeNull();
    expect(received.iteration).toBe(1);
  });
});
