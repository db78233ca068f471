import { describe, expect, it } from 'vitest';
import { showAppBadge, titleWithCount } from './unread-title';

describe('unread title and badge', () => {
  it('puts the count in front of any title, replacing an older count', () => {
    expect(titleWithCount('Chats · Veil', 3)).toBe('(3) Chats · Veil');
    expect(titleWithCount('(3) Chats · Veil', 4)).toBe('(4) Chats · Veil');
    expect(titleWithCount('(4) Chats · Veil', 0)).toBe('Chats · Veil');
    expect(titleWithCount('Veil', 250)).toBe('(99+) Veil');
    expect(titleWithCount('(99+) Veil', 0)).toBe('Veil');
    // A title that merely starts with a parenthesis is not a count.
    expect(titleWithCount('(work) · Veil', 0)).toBe('(work) · Veil');
  });

  it('sets and clears the app badge where the API exists, and survives a refusal', async () => {
    const calls: string[] = [];
    const badging = {
      setAppBadge: (count?: number) => {
        calls.push(`set ${count}`);
        return Promise.reject(new Error('not installed'));
      },
      clearAppBadge: () => {
        calls.push('clear');
        return Promise.resolve();
      },
    };
    showAppBadge(badging, 2);
    showAppBadge(badging, 0);
    showAppBadge({}, 5); // no Badging API: nothing happens
    await Promise.resolve();
    expect(calls).toEqual(['set 2', 'clear']);
  });
});
