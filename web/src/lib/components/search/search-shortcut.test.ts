import { describe, expect, it } from 'vitest';
import { isSearchShortcut } from './search-shortcut';

describe('search shortcut', () => {
  const key = (key: string, extra: Partial<Parameters<typeof isSearchShortcut>[0]> = {}) =>
    isSearchShortcut({
      key,
      ctrlKey: false,
      metaKey: false,
      altKey: false,
      target: null,
      ...extra,
    });

  it('is Ctrl+K, Cmd+K, or "/" when not typing', () => {
    expect(key('k', { ctrlKey: true })).toBe(true);
    expect(key('K', { metaKey: true })).toBe(true);
    expect(key('/')).toBe(true);
    expect(key('k')).toBe(false);
    expect(key('k', { ctrlKey: true, altKey: true })).toBe(false);
    const field = { tagName: 'TEXTAREA' } as unknown as EventTarget;
    expect(key('/', { target: field })).toBe(false);
    expect(key('k', { ctrlKey: true, target: field })).toBe(true);
  });
});
