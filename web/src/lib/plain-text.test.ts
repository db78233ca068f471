import { describe, expect, it } from 'vitest';
import { groupEventText } from './components/groups/group-event-text';
import {
  clipLongText,
  displayDeviceName,
  displayGroupName,
  isolateInText,
  LONG_TEXT_CHARS,
  neutraliseControls,
} from './plain-text';

describe('names shown as plain text', () => {
  it('replaces bidi controls and line breaks, so a name cannot reorder or break out', () => {
    expect(neutraliseControls(' a\u202Eb\u2069\nc ')).toBe('a\uFFFDb\uFFFD\uFFFDc');
  });

  it('gives a group with an empty or invisible title a name', () => {
    expect(displayGroupName('\u202E ')).toBe('\uFFFD');
    expect(displayGroupName('  ')).toBe('Unnamed group');
  });

  it('shows a device name without its bidi controls, and an invisible one as unnamed', () => {
    expect(displayDeviceName('phone\u202E: it is me')).toBe('phone\uFFFD: it is me');
    expect(displayDeviceName('\u2067\u2069')).toBe('\uFFFD\uFFFD');
    expect(displayDeviceName(' ')).toBe('Unnamed device');
  });

  it('isolates a group title inside a timeline line; a stray PDI in it cannot close the isolate', () => {
    const line = groupEventText(
      { type: 'rename', actor: 'bob', target: null, name: 'x\u2069\u202Ealice' },
      'me',
    );
    expect(line).toBe(`bob renamed the group to “${isolateInText('x\uFFFD\uFFFDalice')}”`);
    expect(line.match(/\u2069/g)).toHaveLength(1);
  });

  it('clips a long text for display, never inside a surrogate pair', () => {
    expect(clipLongText('short')).toBe('short');
    expect(clipLongText('a'.repeat(LONG_TEXT_CHARS + 1))).toBe(`${'a'.repeat(LONG_TEXT_CHARS)}…`);
    expect(clipLongText(`${'a'.repeat(LONG_TEXT_CHARS - 1)}😀b`)).toBe(
      `${'a'.repeat(LONG_TEXT_CHARS - 1)}…`,
    );
  });
});
