import { describe, expect, it } from 'vitest';
import { formatClockTime, formatListTime } from './format-time';

describe('list times', () => {
  const now = new Date(2025, 5, 15, 18, 30).getTime();

  it('shows the clock time for today', () => {
    const earlier = new Date(2025, 5, 15, 9, 5).getTime();
    expect(formatListTime(earlier, now)).toBe(formatClockTime(earlier));
  });

  it('shows a date without the year for earlier this year, with it before', () => {
    const march = formatListTime(new Date(2025, 2, 3, 12).getTime(), now);
    expect(march).toMatch(/3/);
    expect(march).not.toMatch(/2025/);
    expect(formatListTime(new Date(2023, 2, 3, 12).getTime(), now)).toMatch(/2023/);
  });
});
