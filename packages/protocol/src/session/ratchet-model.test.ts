// Model-based test: two and three parties with pairwise sessions, driven through random sequences
// of send / deliver (in any order) / drop / duplicate. The model is trivial (a list of what was sent
// on each channel); the assertion is that every delivered message decrypts exactly once, to exactly
// what was sent, and every duplicate is refused without changing the receiver's state.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { equalBytes } from '../encoding/bytes';
import { isProtocolError } from '../errors';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { makeParty, type TestParty } from '../test-support/parties';
import { ratchetDecrypt } from './ratchet';
import { encodeRatchetState, type RatchetState } from './ratchet-state';
import { acceptSession, initiateSession, sessionDecryptStart, sessionEncrypt } from './pqxdh';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

interface InFlight {
  readonly bytes: Uint8Array;
  readonly kind: 'start' | 'message';
  readonly plaintext: Uint8Array;
  delivered: boolean;
}

type Action =
  | { type: 'send'; from: number; to: number; text: Uint8Array }
  | { type: 'deliver' | 'drop' | 'duplicate'; from: number; to: number; pick: number };

const totals = {
  sequences: 0,
  sent: 0,
  delivered: 0,
  dropped: 0,
  duplicatesRefused: 0,
  mismatches: 0,
};
afterAll(() => {
  console.log(`ratchet model: ${JSON.stringify(totals)}`);
});

function actionArbitrary(parties: number): fc.Arbitrary<Action> {
  const pair = fc
    .tuple(fc.nat(parties - 1), fc.nat(parties - 2))
    .map(([from, offset]) => ({ from, to: (from + 1 + offset) % parties }));
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record({ pair, text: fc.uint8Array({ maxLength: 48 }) })
        .map(({ pair: x, text }) => ({ type: 'send' as const, ...x, text })),
    },
    {
      weight: 4,
      arbitrary: fc
        .record({ pair, pick: fc.nat() })
        .map(({ pair: x, pick }) => ({ type: 'deliver' as const, ...x, pick })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ pair, pick: fc.nat() })
        .map(({ pair: x, pick }) => ({ type: 'drop' as const, ...x, pick })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ pair, pick: fc.nat() })
        .map(({ pair: x, pick }) => ({ type: 'duplicate' as const, ...x, pick })),
    },
  );
}

function runSequence(partyCount: number, actions: readonly Action[]): void {
  totals.sequences++;
  const parties: TestParty[] = Array.from({ length: partyCount }, (_, i) =>
    makeParty(p, { accountId: `party-${i}`, oneTimeCount: 1 }),
  );
  // states[x][y]: x's session with y. The lower-numbered party initiates each pair.
  const states: (RatchetState | undefined)[][] = parties.map(() => parties.map(() => undefined));
  const channels = new Map<string, InFlight[]>();
  const channel = (from: number, to: number): InFlight[] => {
    const key = `${from}>${to}`;
    let list = channels.get(key);
    if (!list) channels.set(key, (list = []));
    return list;
  };
  for (let a = 0; a < partyCount; a++) {
    for (let b = a + 1; b < partyCount; b++) {
      states[a]![b] = initiateSession(p, {
        account: parties[a]!.pub,
        device: parties[a]!.device,
        remote: parties[b]!.pub,
        bundle: parties[b]!.bundle(),
      });
    }
  }

  const receive = (from: number, to: number, message: InFlight): Uint8Array => {
    const current = states[to]![from];
    const me = parties[to]!;
    if (message.kind === 'start' && current === undefined) {
      const accepted = acceptSession(p, {
        account: me.pub,
        device: me.device,
        prekeys: me.lookup,
        start: message.bytes,
      });
      me.consume(accepted.consumed);
      states[to]![from] = accepted.state;
      return accepted.plaintext;
    }
    if (current === undefined)
      throw new Error('model: a plain message reached a party without a session');
    const result =
      message.kind === 'start'
        ? sessionDecryptStart(p, current, message.bytes)
        : ratchetDecrypt(p, current, message.bytes);
    states[to]![from] = result.state;
    return result.plaintext;
  };

  for (const action of actions) {
    const list = channel(action.from, action.to);
    if (action.type === 'send') {
      const state = states[action.from]![action.to];
      if (state === undefined || state.sending === null) continue; // responder cannot speak first
      const out = sessionEncrypt(p, state, action.text);
      states[action.from]![action.to] = out.state;
      list.push({ bytes: out.message, kind: out.kind, plaintext: action.text, delivered: false });
      totals.sent++;
      continue;
    }
    const pending = list.filter((m) => !m.delivered);
    if (action.type === 'deliver' && pending.length > 0) {
      const message = pending[action.pick % pending.length]!;
      const plaintext = receive(action.from, action.to, message);
      message.delivered = true;
      totals.delivered++;
      if (!equalBytes(plaintext, message.plaintext)) {
        totals.mismatches++;
        throw new Error('model: delivered plaintext differs from what was sent');
      }
    } else if (action.type === 'drop' && pending.length > 0) {
      const message = pending[action.pick % pending.length]!;
      list.splice(list.indexOf(message), 1);
      totals.dropped++;
    } else if (action.type === 'duplicate') {
      const done = list.filter((m) => m.delivered);
      if (done.length === 0) continue;
      const message = done[action.pick % done.length]!;
      const state = states[action.to]![action.from]!;
      const before = encodeRatchetState(state);
      let refused = false;
      try {
        receive(action.from, action.to, message);
      } catch (error) {
        refused = isProtocolError(error);
      }
      expect(refused).toBe(true);
      expect(equalBytes(encodeRatchetState(states[action.to]![action.from]!), before)).toBe(true);
      totals.duplicatesRefused++;
    }
  }
}

describe('Double Ratchet model', () => {
  test('two parties: 1,000 random sequences, every delivered message decrypts exactly once', () => {
    fc.assert(
      fc.property(fc.array(actionArbitrary(2), { minLength: 20, maxLength: 80 }), (actions) =>
        runSequence(2, actions),
      ),
      { numRuns: 1000 },
    );
    expect(totals.mismatches).toBe(0);
  });

  test('three parties: 1,000 random sequences over pairwise sessions', () => {
    fc.assert(
      fc.property(fc.array(actionArbitrary(3), { minLength: 20, maxLength: 80 }), (actions) =>
        runSequence(3, actions),
      ),
      { numRuns: 1000 },
    );
    expect(totals.mismatches).toBe(0);
  });
});
