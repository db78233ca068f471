import { describe, expect, it } from 'vitest';
import { SKIP_WAITING, isSkipWaiting } from './service-worker-messages';

describe('isSkipWaiting', () => {
  it('accepts the message the page sends, also after a structured clone', () => {
    expect(isSkipWaiting(SKIP_WAITING)).toBe(true);
    expect(isSkipWaiting(structuredClone(SKIP_WAITING))).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', 'skip-waiting'],
    ['another type', { type: 'claim' }],
    ['no type', {}],
  ])('refuses %s', (_label, data) => {
    expect(isSkipWaiting(data)).toBe(false);
  });
});
