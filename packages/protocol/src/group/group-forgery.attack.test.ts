// Suite 1, group part — what a malicious relay can do to group operations, at the protocol level
// (the client's group layer is still being built; docs/security.md keeps a TODO for it). The relay
// carries every operation, so it can drop, replay, reorder, tamper with or invent them; it holds no
// member's account key. Each forgery must be refused by applyGroupOperation, leaving the member's
// state as it was, and the honest next operation must still apply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

let p: Primitives;
let alice: AccountIdentity;
let bob: AccountIdentity;
let mallory: AccountIdentity;
/** The relay's own key, standing in for any key that is not the signer's. */
let relayKey: AccountIdentity;
const rows: [string, ProtocolErrorCode | 'accepted'][] = [];

beforeAll(async () => {
  p = await loadPrimitives();
  [alice, bob, mallory] = ['alice', 'bob', 'mallory'].map((id) => createAccountIdentity(p, id)) as [
    AccountIdentity,
    AccountIdentity,
    AccountIdentity,
  ];
  relayKey = createAccountIdentity(p, 'alice');
});
afterAll(() => {
  const lines = ['| Group forgery (protocol) | refused with |', '|---|---|'];
  for (const [attack, code] of rows) lines.push(`| ${attack} | ${code} |`);
  console.log(lines.join('\n'));
});

/** Bob's view: applies `operation` to `state`, recording how it was refused. */
function attempt(attack: string, state: GroupState, operation: Uint8Array): void {
  let outcome: ProtocolErrorCode | 'accepted' = 'accepted';
  try {
    applyGroupOperation(p, { state, operation });
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    outcome = error.code;
  }
  rows.push([attack, outcome]);
  expect(outcome, attack).not.toBe('accepted');
}

describe('group operations from a malicious relay', () => {
  it('refuses unsigned, re-signed, unauthorised, replayed, reordered and tampered operations', () => {
    const created = createGroup(p, {
      creator: alice,
      name: 'team',
      members: [accountPublic(bob)],
    });
    // Bob accepts the create under Alice's pinned key only.
    const forgedCreate = signGroupOperation(p, {
      unsigned: {
        ...decodeGroupOperation(created.operation),
        body: {
          type: 'create',
          name: 'team',
          members: [accountPublic(relayKey), accountPublic(bob)],
        },
      },
      signerSecret: relayKey.keyPair.secretKey,
    });
    let outcome: ProtocolErrorCode | 'accepted' = 'accepted';
    try {
      applyGroupOperation(p, {
        state: null,
        operation: forgedCreate,
        creator: accountPublic(alice),
      });
    } catch (error) {
      if (isProtocolError(error)) outcome = error.code;
    }
    rows.push(['create signed by another key in the admin name', outcome]);
    expect(outcome).not.toBe('accepted');
    let state = applyGroupOperation(p, {
      state: null,
      operation: created.operation,
      creator: accountPublic(alice),
    }).state;

    const addMallory = { type: 'add', member: accountPublic(mallory) } as const;
    const honest = proposeGroupOperation(p, { state, signer: alice, body: addMallory });
    const unsigned = decodeGroupOperation(honest);

    attempt(
      'unsigned operation (zero signature)',
      state,
      (() => {
        const bytes = honest.slice();
        bytes.fill(0, bytes.length - 64);
        return bytes;
      })(),
    );
    attempt(
      'operation in the admin name, signed by the relay',
      state,
      signGroupOperation(p, { unsigned, signerSecret: relayKey.keyPair.secretKey }),
    );
    attempt(
      'member the admin never added (added by a non-admin)',
      state,
      proposeGroupOperation(p, { state, signer: bob, body: addMallory }),
    );
    attempt(
      'member the admin never added (signed by the newcomer)',
      state,
      proposeGroupOperation(p, { state, signer: mallory, body: addMallory }),
    );
    attempt(
      'bit-flipped operation',
      state,
      honest.map((x, i) => (i === honest.length >> 1 ? x ^ 1 : x)),
    );
    attempt('truncated operation', state, honest.slice(0, honest.length - 10));

    // The honest operation still applies; then replays and reorders are refused.
    const after = applyGroupOperation(p, { state, operation: honest }).state;
    attempt('replayed operation', after, honest);
    attempt('replayed create', after, created.operation);
    const rename = proposeGroupOperation(p, {
      state: after,
      signer: alice,
      body: { type: 'rename', name: 'x' },
    });
    const renamed = applyGroupOperation(p, { state: after, operation: rename }).state;
    const skipped = proposeGroupOperation(p, {
      state: renamed,
      signer: alice,
      body: { type: 'rename', name: 'y' },
    });
    attempt('operation from a fork (skips one)', after, skipped);
    state = applyGroupOperation(p, { state: renamed, operation: skipped }).state;
    expect(state.members.map((m) => m.accountId)).toEqual(['alice', 'bob', 'mallory']);
  });
});
