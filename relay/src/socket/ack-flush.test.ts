// One timer for every socket's acks: holders scheduled within the delay flush together, once each,
// and a holder that flushed on its own (a closing socket) is not flushed again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AckFlusher, type AckHolder } from './ack-flush';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function holder(flushed: string[], name: string): AckHolder {
  return { flushAcks: () => flushed.push(name) };
}

describe('AckFlusher', () => {
  it('flushes every holder scheduled within the delay together, once each', () => {
    const flushed: string[] = [];
    const acks = new AckFlusher(250);
    const [a, b] = [holder(flushed, 'a'), holder(flushed, 'b')];
    acks.schedule(a);
    vi.advanceTimersByTime(200);
    acks.schedule(b);
    acks.schedule(a);
    expect(flushed).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(flushed).toEqual(['a', 'b']);
    vi.advanceTimersByTime(1000);
    expect(flushed).toEqual(['a', 'b']);
    // The next ack starts a new wait.
    acks.schedule(b);
    vi.advanceTimersByTime(249);
    expect(flushed).toEqual(['a', 'b']);
    vi.advanceTimersByTime(1);
    expect(flushed).toEqual(['a', 'b', 'b']);
  });

  it('leaves out a cancelled holder, and stops its timer when nobody is left', () => {
    const flushed: string[] = [];
    const acks = new AckFlusher(250);
    const [a, b] = [holder(flushed, 'a'), holder(flushed, 'b')];
    acks.schedule(a);
    acks.schedule(b);
    acks.cancel(a);
    vi.advanceTimersByTime(250);
    expect(flushed).toEqual(['b']);
    acks.schedule(a);
    acks.cancel(a);
    expect(vi.getTimerCount()).toBe(0);
  });
});
