// Session records: the current session plus a bounded list of archived ones, promotion of the
// session a message opens on, and the refusals that must leave the record untouched.

import { beforeAll, describe, expect, test } from 'vitest';
import { LIMITS } from '../constants';
import { equalBytes } from '../encoding/bytes';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { makeParty } from '../test-support/parties';
import { RecordSide } from '../test-support/record-side';
import { initiateSession, sessionStartBaseKey } from './pqxdh';
import type { RatchetState } from './ratchet-state';
import {
  decodeSessionRecord,
  encodeSessionRecord,
  findSessionByBaseKey,
  promoteSession,
  recordSessions,
} from './session-record';
import { sessionRecordDecrypt } from './session-record-cipher';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

function pair(): { alice: RecordSide; bob: RecordSide } {
  const a = makeParty(p, { accountId: 'alice' });
  const b = makeParty(p, { accountId: 'bob' });
  return { alice: new RecordSide(p, a, b), bob: new RecordSide(p, b, a) };
}

const baseKeyOf = (side: RecordSide): Uint8Array => side.record!.current.baseKey;

describe('session record', () => {
  test('simultaneous starts: both sides hold both sessions, the first reply makes them converge', () => {
    const { alice, bob } = pair();
    const fromAlice = alice.send('hi bob');
    const fromBob = bob.send('hi alice');
    expect([fromAlice.kind, fromBob.kind]).toEqual(['start', 'start']);

    expect(alice.receiveText(fromBob)).toBe('hi alice');
    expect(bob.receiveText(fromAlice)).toBe('hi bob');
    // Each made the other's session current and archived its own: they disagree for now.
    expect(alice.record!.archived).toHaveLength(1);
    expect(bob.record!.archived).toHaveLength(1);
    expect(equalBytes(baseKeyOf(alice), baseKeyOf(bob))).toBe(false);

    // Alice answers on her current session (Bob's); Bob finds it archived and promotes it.
    expect(bob.receiveText(alice.send('answer'))).toBe('answer');
    expect(equalBytes(baseKeyOf(alice), baseKeyOf(bob))).toBe(true);
    expect(bob.record!.archived).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      expect(alice.receiveText(bob.send(`b${i}`))).toBe(`b${i}`);
      expect(bob.receiveText(alice.send(`a${i}`))).toBe(`a${i}`);
    }
    expect(equalBytes(baseKeyOf(alice), baseKeyOf(bob))).toBe(true);
  });

  test('a message still in flight on an archived session opens and promotes that session', () => {
    const { alice, bob } = pair();
    bob.receiveText(alice.send('1'));
    alice.receiveText(bob.send('2'));
    const late = alice.send('late, on the first session');
    const aliceFirst = baseKeyOf(alice);
    // Bob "reinstalls": he lost his session state and starts a new session towards Alice.
    bob.record = undefined;
    const restart = bob.send('new session');
    expect(restart.kind).toBe('start');
    expect(alice.receiveText(restart)).toBe('new session');
    expect(alice.record!.archived.map((s) => s.baseKey)).toEqual([aliceFirst]);
    // Alice answers on the new session, so Bob (who has only the new one) reads it...
    expect(bob.receiveText(alice.send('welcome back'))).toBe('welcome back');
    expect(equalBytes(baseKeyOf(alice), baseKeyOf(bob))).toBe(true);
    // ...but the message sent before the reinstall is lost with Bob's old state.
    expectProtocolError(() => bob.receiveText(late), 'DECRYPT_FAILED');
    expect(alice.receiveText(bob.send('both ways'))).toBe('both ways');
  });

  test('a replayed or retransmitted session start never creates a second session', () => {
    const { alice, bob } = pair();
    const first = alice.send('first');
    const again = alice.send('again, with the same start prefix');
    const mine = bob.send('mine'); // Bob starts a session of his own at the same moment
    bob.receiveText(first);
    alice.receiveText(mine);
    // Alice answers on Bob's session: Bob promotes it, and Alice's session is archived at Bob.
    bob.receiveText(alice.send('on your session'));
    expect(bob.record!.archived.map((s) => s.baseKey)).toEqual([sessionStartBaseKey(first.bytes)]);
    const before = bob.snapshot();

    // A replay of a start Bob already opened: REPLAY from the archived session, nothing changed.
    expectProtocolError(() => bob.receiveText(first), 'REPLAY');
    expect(equalBytes(bob.snapshot(), before)).toBe(true);
    // A retransmission (a new message under the same prefix) opens on that archived session and
    // promotes it, without building a second copy of it.
    expect(bob.receiveText(again)).toBe('again, with the same start prefix');
    expect(recordSessions(bob.record!)).toHaveLength(2);
    expect(equalBytes(baseKeyOf(bob), sessionStartBaseKey(first.bytes))).toBe(true);
  });

  test('a tampered, replayed or unknown message is refused and changes nothing', () => {
    const { alice, bob } = pair();
    bob.receiveText(alice.send('hello'));
    alice.receiveText(bob.send('hi'));
    const message = alice.send('m');
    const tampered = { ...message, bytes: message.bytes.slice() };
    tampered.bytes[tampered.bytes.length - 1]! ^= 1;
    const before = bob.snapshot();
    expectProtocolError(() => bob.receiveText(tampered), 'DECRYPT_FAILED');
    expect(equalBytes(bob.snapshot(), before)).toBe(true);

    expect(bob.receiveText(message)).toBe('m');
    const after = bob.snapshot();
    expectProtocolError(() => bob.receiveText(message), 'REPLAY');
    expect(equalBytes(bob.snapshot(), after)).toBe(true);
    // Our own message reflected back is REFLECTED even when it is the archived session that
    // recognises it (the current one can only say DECRYPT_FAILED).
    const own = bob.send('mine');
    alice.record = undefined;
    bob.receiveText(alice.send('a new session'));
    expect(bob.record!.archived).toHaveLength(1);
    const withArchive = bob.snapshot();
    expectProtocolError(() => bob.receiveText(own), 'REFLECTED');
    expect(equalBytes(bob.snapshot(), withArchive)).toBe(true);
    // A start for no session held goes to acceptSession; sessionRecordDecrypt refuses it.
    const stranger = pair().alice.send('who?');
    expectProtocolError(() => sessionRecordDecrypt(p, bob.record!, stranger), 'UNKNOWN_SENDER');
  });

  test(`keeps at most ${LIMITS.maxArchivedSessions} archived sessions, dropping the oldest`, () => {
    const { alice, bob } = pair();
    const starts: Uint8Array[] = [];
    for (let i = 0; i < LIMITS.maxArchivedSessions + 2; i++) {
      alice.record = undefined; // each time a new session, as after a reinstall
      const start = alice.send(`session ${i}`);
      starts.push(sessionStartBaseKey(start.bytes).slice());
      bob.receiveText(start);
    }
    const record = bob.record!;
    expect(record.archived).toHaveLength(LIMITS.maxArchivedSessions);
    expect(record.current.baseKey).toEqual(starts.at(-1));
    // Newest first; the oldest session is gone.
    expect(record.archived.map((s) => s.baseKey)).toEqual(starts.slice(1, -1).reverse());
    expect(findSessionByBaseKey(record, starts[0]!)).toBe(-1);
    // The round trip keeps them all.
    const decoded = decodeSessionRecord(encodeSessionRecord(record));
    expect(encodeSessionRecord(decoded)).toEqual(encodeSessionRecord(record));
  });

  test('promotion replaces the session it advanced and archives the old current', () => {
    const states = ['a', 'b', 'c'].map((id) => {
      const { alice, bob } = {
        alice: makeParty(p, { accountId: id }),
        bob: makeParty(p, { accountId: `${id}-peer` }),
      };
      return initiateSession(p, {
        account: alice.pub,
        device: alice.device,
        remote: bob.pub,
        bundle: bob.bundle(),
      });
    });
    const [a, b, c] = states as [RatchetState, RatchetState, RatchetState];
    const record = promoteSession(promoteSession(promoteSession(undefined, a), b), c);
    expect(recordSessions(record)).toEqual([c, b, a]);
    const advancedA = { ...a, previousSendingLength: 7 };
    expect(recordSessions(promoteSession(record, advancedA, 2))).toEqual([advancedA, c, b]);
    const advancedC = { ...c, previousSendingLength: 7 };
    expect(recordSessions(promoteSession(record, advancedC, 0))).toEqual([advancedC, b, a]);
  });

  test('the encoding refuses a wrong version, too many archived sessions and trailing bytes', () => {
    const { alice } = pair();
    alice.send('x');
    const encoded = alice.snapshot();
    const wrong = encoded.slice();
    wrong[0] = 9;
    expectProtocolError(() => decodeSessionRecord(wrong), 'UNKNOWN_VERSION');
    const tooMany = encoded.slice();
    tooMany[1] = LIMITS.maxArchivedSessions + 1;
    expectProtocolError(() => decodeSessionRecord(tooMany), 'MALFORMED');
    const trailing = new Uint8Array(encoded.length + 1);
    trailing.set(encoded);
    expectProtocolError(() => decodeSessionRecord(trailing), 'MALFORMED');
    expectProtocolError(() => decodeSessionRecord(encoded.subarray(0, 50)), 'TRUNCATED');
  });
});
