import { describe, expect, it } from 'vitest';
import { formatSafetyNumber } from './format-safety-number';

const sixtyDigits = '053816240387519264308175629403817562940381756294038175629403';

describe('formatSafetyNumber', () => {
  it('splits 60 digits into 12 groups of 5, in order', () => {
    const groups = formatSafetyNumber(sixtyDigits);
    expect(groups).toHaveLength(12);
    expect(groups[0]).toBe('05381');
    expect(groups[11]).toBe('29403');
    expect(groups.every((group) => /^[0-9]{5}$/.test(group))).toBe(true);
    expect(groups.join('')).toBe(sixtyDigits);
  });

  it.each([
    ['59 digits', sixtyDigits.slice(1)],
    ['61 digits', `${sixtyDigits}7`],
    ['an empty string', ''],
    ['a letter', `${sixtyDigits.slice(1)}a`],
    ['spaces already inserted', `${sixtyDigits.slice(0, 55)} ${sixtyDigits.slice(56)}`],
    ['a trailing newline', `${sixtyDigits}\n`],
    ['non-ASCII digits', '٠'.repeat(60)],
  ])('refuses %s', (_label, input) => {
    expect(() => formatSafetyNumber(input)).toThrow(RangeError);
  });
});
