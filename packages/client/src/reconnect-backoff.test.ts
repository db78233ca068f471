import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from './reconnect-backoff';

const almostOne = 1 - Number.EPSILON;

describe('ReconnectBackoff', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    const backoff = new ReconnectBackoff({ baseMs: 100, capMs: 1_000, random: () => almostOne });
    const delays = Array.from({ length: 7 }, () => backoff.nextDelayMs());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(backoff.attempt).toBe(7);
  });

  it('scales the draw over the whole range, down to zero (full jitter)', () => {
    const draws = [0, 0.5, 0.25];
    const backoff = new ReconnectBackoff({
      baseMs: 1_000,
      capMs: 60_000,
      random: () => draws.shift()!,
    });
    expect([backoff.nextDelayMs(), backoff.nextDelayMs(), backoff.nextDelayMs()]).toEqual([
      0, 1_000, 1_000,
    ]);
  });

  it('starts again from the base after reset()', () => {
    const backoff = new ReconnectBackoff({ baseMs: 100, capMs: 10_000, random: () => almostOne });
    for (let i = 0; i < 5; i += 1) backoff.nextDelayMs();
    expect(backoff.ceilingMs).toBe(3_200);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.nextDelayMs()).toBe(99);
  });

  it('keeps every delay an integer in [0, min(cap, base * 2^attempt))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 2_000,
        }),
        (baseMs, extraCapMs, draws) => {
          const capMs = baseMs + extraCapMs;
          let i = 0;
          const backoff = new ReconnectBackoff({ baseMs, capMs, random: () => draws[i++]! });
          for (let attempt = 0; attempt < draws.length; attempt += 1) {
            const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
            const delay = backoff.nextDelayMs();
            expect(Number.isInteger(delay)).toBe(true);
            expect(delay).toBeGreaterThanOrEqual(0);
            expect(delay).toBeLessThan(ceiling);
          }
        },
      ),
    );
  });

  it('refuses nonsensical options and a broken random source', () => {
    expect(() => new ReconnectBackoff({ baseMs: 0 })).toThrow(RangeError);
    expect(() => new ReconnectBackoff({ baseMs: 1.5 })).toThrow(RangeError);
    expect(() => new ReconnectBackoff({ baseMs: 1_000, capMs: 999 })).toThrow(RangeError);
    expect(() => new ReconnectBackoff({ random: () => 1 }).nextDelayMs()).toThrow(RangeError);
    expect(() => new ReconnectBackoff({ random: () => Number.NaN }).nextDelayMs()).toThrow(
      RangeError,
    );
  });
});
