// Model-based test of session convergence: two devices with no session yet, driven through random
// sequences of send / deliver (in any order) / drop / duplicate, often starting with both sending
// at once so each starts its own session. Every delivered message must decrypt exactly once to what
// was sent, every duplicate must be refused without changing the receiver's record, and once the
// channels are drained one round trip must leave both on the same current session.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { equalBytes, utf8 } from '../encoding/bytes';
import { isProtocolError } from '../errors';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { makeParty } from '../test-support/parties';
import { RecordSide, type SentMessage } from '../test-support/record-side';
import { recordSessions } from './session-record';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

interface InFlight extends SentMessage {
  readonly plaintext: Uint8Array;
  delivered: boolean;
}

type Action =
  | { type: 'send'; from: number; text: Uint8Array }
  | { type: 'deliver' | 'drop' | 'duplicate'; from: number; pick: number };

const totals = { sequences: 0, simultaneous: 0, delivered: 0, duplicatesRefused: 0, promoted: 0 };
afterAll(() => {
  console.log(`session record model: ${JSON.stringify(totals)}`);
});

const from = fc.nat(1);
const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({ from, text: fc.uint8Array({ maxLength: 24 }) })
      .map((a) => ({ type: 'send' as const, ...a })),
  },
  {
    weight: 4,
    arbitrary: fc.record({ from, pick: fc.nat() }).map((a) => ({ type: 'deliver' as const, ...a })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ from, pick: fc.nat() }).map((a) => ({ type: 'drop' as const, ...a })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ from, pick: fc.nat() })
      .map((a) => ({ type: 'duplicate' as const, ...a })),
  },
);

function runSequence(simultaneous: boolean, actions: readonly Action[]): void {
  totals.sequences++;
  const a = makeParty(p, { accountId: 'alice', oneTimeCount: 1 });
  const b = makeParty(p, { accountId: 'bob', oneTimeCount: 1 });
  const sides = [new RecordSide(p, a, b), new RecordSide(p, b, a)] as const;
  // channels[x]: what x sent to the other side, in sending order.
  const channels: [InFlight[], InFlight[]] = [[], []];

  const send = (x: number, plaintext: Uint8Array): void => {
    channels[x]!.push({ ...sides[x]!.send(plaintext), plaintext, delivered: false });
  };
  const deliver = (x: number, message: InFlight): void => {
    const receiver = sides[1 - x]!;
    const before = receiver.record?.current;
    const plaintext = receiver.receive(message);
    expect(equalBytes(plaintext, message.plaintext)).toBe(true);
    expect(message.delivered).toBe(false);
    message.delivered = true;
    totals.delivered++;
    if (before !== undefined && !equalBytes(before.baseKey, receiver.record!.current.baseKey)) {
      totals.promoted++;
    }
  };

  if (simultaneous) {
    totals.simultaneous++;
    send(0, utf8('first from alice'));
    send(1, utf8('first from bob'));
  }
  for (const action of actions) {
    const list = channels[action.from]!;
    if (action.type === 'send') {
      send(action.from, action.text);
      continue;
    }
    const pending = list.filter((m) => !m.delivered);
    if (action.type === 'deliver' && pending.length > 0) {
      deliver(action.from, pending[action.pick % pending.length]!);
    } else if (action.type === 'drop' && pending.length > 0) {
      list.splice(list.indexOf(pending[action.pick % pending.length]!), 1);
    } else if (action.type === 'duplicate') {
      const done = list.filter((m) => m.delivered);
      if (done.length === 0) continue;
      const receiver = sides[1 - action.from]!;
      const before = receiver.snapshot();
      let refused = false;
      try {
        receiver.receive(done[action.pick % done.length]!);
      } catch (error) {
        refused = isProtocolError(error);
      }
      expect(refused).toBe(true);
      expect(equalBytes(receiver.snapshot(), before)).toBe(true);
      totals.duplicatesRefused++;
    }
  }

  // Drain both channels, then one round trip: the two sides must now share one current session.
  for (const x of [0, 1]) for (const m of channels[x]!.filter((m) => !m.delivered)) deliver(x, m);
  send(0, utf8('ping'));
  deliver(0, channels[0].at(-1)!);
  send(1, utf8('pong'));
  deliver(1, channels[1].at(-1)!);
  const [alice, bob] = sides.map((side) => side.record!);
  expect(equalBytes(alice!.current.baseKey, bob!.current.baseKey)).toBe(true);
  // Each side started at most one session, so nothing was ever dropped from a record.
  for (const record of [alice!, bob!]) expect(recordSessions(record).length).toBeLessThanOrEqual(2);
}

describe('session record model', () => {
  test('random interleavings, simultaneous starts included, converge and decrypt each message once', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(actionArbitrary, { minLength: 10, maxLength: 60 }),
        (simultaneous, actions) => runSequence(simultaneous, actions),
      ),
      { numRuns: 400 },
    );
    expect(totals.simultaneous).toBeGreaterThan(0);
    expect(totals.promoted).toBeGreaterThan(0);
  });
});
