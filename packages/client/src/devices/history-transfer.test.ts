// Reading a history transfer document, which is hostile input: a document of the format before the
// account state still reads (whatever sits where `state` is now is not read), an unknown version is
// refused, and a state of the wrong shape or size is refused whole with the protocol's typed error.
import { isProtocolError } from '@veil/protocol';
import { Encoder } from 'cbor-x/index-no-eval';
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_REQUESTS } from '../groups/invite-store';
import type { AccountState } from './account-state';
import { MAX_STATE_ENTRIES, parseAccountState } from './account-state-shape';
import { decodeHistory, TRANSFER_VERSION } from './history-transfer';

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });
const encode = (value: unknown) => new Uint8Array(encoder.encode(value));

const groupId = 'Z3JvdXAtaWQtb2YtMzItYnl0ZXMtLS0tLS0tLS0tLS0';
const state: AccountState = {
  profile: { displayName: 'Alice', avatar: null, updatedAt: 5 },
  groupMutes: [{ groupId, mutedUntil: 10, changedAt: 4 }],
  timers: [
    { scope: 'direct', conversation: 'bob', seconds: 300, sentAt: 3, id: 'ab'.repeat(16) },
    { scope: 'group', conversation: groupId, seconds: 30, sentAt: 2, id: 'cd'.repeat(16) },
  ],
  invites: [
    {
      groupId,
      secret: new Uint8Array(32).fill(7),
      requests: [
        {
          accountId: 'dave',
          accountKey: new Uint8Array(32).fill(1) as never,
          proof: new Uint8Array(64).fill(2),
          requestedAt: 1,
        },
      ],
    },
  ],
};

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isProtocolError(error)) return error.code;
    throw error;
  }
  throw new Error('not refused');
}

describe('history transfer documents', () => {
  it('reads the current version with its state, and the version before without', () => {
    const current = decodeHistory(
      encode({ version: TRANSFER_VERSION, conversations: [], groups: [], state }),
    );
    expect(current.state).toEqual(state);
    // Version 1 had no state: a field there is not read, whatever it holds.
    const older = decodeHistory(
      encode({ version: 1, conversations: [{ peer: 'bob', messages: [] }], state: 'anything' }),
    );
    expect(older).toEqual({ version: 1, conversations: [{ peer: 'bob', messages: [] }] });
    expect(() =>
      decodeHistory(encode({ version: TRANSFER_VERSION + 1, conversations: [] })),
    ).toThrow(/known version/);
    // The current version without a state is not one this writer makes: refused.
    expect(
      refusal(() => decodeHistory(encode({ version: TRANSFER_VERSION, conversations: [] }))),
    ).toBe('MALFORMED');
  });

  it('refuses account state of the wrong shape or size', () => {
    const bad: [string, unknown][] = [
      ['MALFORMED', { ...state, timers: 'all' }],
      ['MALFORMED', { ...state, groupMutes: [{ groupId: 'x', mutedUntil: 1, changedAt: 1 }] }],
      ['MALFORMED', { ...state, groupMutes: [{ groupId, mutedUntil: -1, changedAt: 1 }] }],
      ['MALFORMED', { ...state, timers: [{ ...state.timers[0], seconds: 2 ** 32 }] }],
      ['MALFORMED', { ...state, timers: [{ ...state.timers[0], scope: 'everyone' }] }],
      ['MALFORMED', { ...state, timers: [{ ...state.timers[0], id: 'not hex' }] }],
      ['MALFORMED', { ...state, invites: [{ ...state.invites[0], secret: new Uint8Array(31) }] }],
      ['MALFORMED', { ...state, profile: { displayName: 7, avatar: null, updatedAt: 1 } }],
      [
        'TOO_LARGE',
        { ...state, profile: { displayName: 'x'.repeat(100_000), avatar: null, updatedAt: 1 } },
      ],
      ['TOO_LARGE', { ...state, groupMutes: new Array(MAX_STATE_ENTRIES + 1).fill(0) }],
      [
        'TOO_LARGE',
        {
          ...state,
          invites: [
            {
              ...state.invites[0],
              requests: new Array(MAX_PENDING_REQUESTS + 1).fill(state.invites[0]!.requests[0]),
            },
          ],
        },
      ],
    ];
    for (const [code, value] of bad) expect(refusal(() => parseAccountState(value))).toBe(code);
  });
});
