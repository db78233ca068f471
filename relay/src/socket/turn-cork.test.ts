import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TurnCork } from './turn-cork';

function stream() {
  const calls: string[] = [];
  return { calls, cork: () => calls.push('cork'), uncork: () => calls.push('uncork') };
}

describe('TurnCork', () => {
  it('corks each stream once per turn and uncorks them all when the turn ends', async () => {
    const turn = new TurnCork();
    const a = stream();
    const b = stream();
    turn.hold(a);
    turn.hold(b);
    turn.hold(a);
    expect(a.calls).toEqual(['cork']);
    expect(b.calls).toEqual(['cork']);
    await nextTurn();
    expect(a.calls).toEqual(['cork', 'uncork']);
    expect(b.calls).toEqual(['cork', 'uncork']);
    // A later turn holds it again.
    turn.hold(a);
    await nextTurn();
    expect(a.calls).toEqual(['cork', 'uncork', 'cork', 'uncork']);
  });
});
