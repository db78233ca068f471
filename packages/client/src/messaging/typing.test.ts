// The typing rules on one device, with a fake clock: throttled starts, a stop on idle and on send,
// receivers forgetting a typist without a refresh, and stale or reordered records ignored. Delivery
// through a real relay (1:1 and groups) is in privacy.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Typing, TYPING_TIMING } from './typing';

let sent: [string, boolean][];
let changes: [string, readonly string[]][];
let enabled: boolean;

function typing(): Typing {
  return new Typing({
    send: (conversation, value) => {
      sent.push([conversation, value]);
      return Promise.resolve();
    },
    enabled: () => Promise.resolve(enabled),
    onChange: (conversation, typists) => changes.push([conversation, typists]),
    now: () => Date.now(),
  });
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  sent = [];
  changes = [];
  enabled = true;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('typing', () => {
  it('starts at most every 3 s while typing and stops after 5 s idle', async () => {
    const t = typing();
    await t.typed('direct:bob');
    await vi.advanceTimersByTimeAsync(1_000);
    await t.typed('direct:bob');
    await vi.advanceTimersByTimeAsync(1_000);
    await t.typed('direct:bob');
    expect(sent).toEqual([['direct:bob', true]]);
    await vi.advanceTimersByTimeAsync(1_500); // 3.5 s since the start
    await t.typed('direct:bob');
    expect(sent).toEqual([
      ['direct:bob', true],
      ['direct:bob', true],
    ]);
    await vi.advanceTimersByTimeAsync(TYPING_TIMING.idleStopMs);
    expect(sent.at(-1)).toEqual(['direct:bob', false]);
    expect(sent).toHaveLength(3);
  });

  it('stops on send or blur only if it started, and sends nothing while off', async () => {
    const t = typing();
    await t.stopped('direct:bob');
    expect(sent).toEqual([]);
    await t.typed('group:g1');
    await t.stopped('group:g1');
    expect(sent).toEqual([
      ['group:g1', true],
      ['group:g1', false],
    ]);
    enabled = false;
    await t.typed('direct:bob');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(2);
  });

  it('forgets a typist 6 s after the last refresh, and a stop or message clears at once', async () => {
    const t = typing();
    const at = () => Date.now();
    await t.received({ conversation: 'group:g', accountId: 'alice', typing: true, sentAt: at() });
    await t.received({ conversation: 'group:g', accountId: 'bob', typing: true, sentAt: at() });
    expect(t.typists('group:g')).toEqual(['alice', 'bob']);
    await vi.advanceTimersByTimeAsync(4_000);
    await t.received({ conversation: 'group:g', accountId: 'alice', typing: true, sentAt: at() });
    await vi.advanceTimersByTimeAsync(2_500); // bob's 6 s are up, alice refreshed
    expect(t.typists('group:g')).toEqual(['alice']);
    t.sent('group:g', 'alice');
    expect(t.typists('group:g')).toEqual([]);
    expect(changes.map(([, who]) => who)).toEqual([['alice'], ['alice', 'bob'], ['alice'], []]);
  });

  it('ignores a record delivered late, one overtaken by a newer, and all while off', async () => {
    const t = typing();
    const now = Date.now();
    const base = { conversation: 'direct:alice', accountId: 'alice' };
    await t.received({ ...base, typing: true, sentAt: now - TYPING_TIMING.expireMs - 1 });
    expect(t.typists('direct:alice')).toEqual([]);
    await t.received({ ...base, typing: true, sentAt: now });
    await t.received({ ...base, typing: false, sentAt: now - 1_000 }); // an older stop, reordered
    expect(t.typists('direct:alice')).toEqual(['alice']);
    t.clear();
    enabled = false;
    await t.received({ ...base, typing: true, sentAt: now });
    expect(t.typists('direct:alice')).toEqual([]);
  });
});
