import { describe, expect, it } from 'vitest';
import { displayFileName, formatFileSize, saveFileName } from './file-name';

describe('attachment file names', () => {
  it('neutralises bidi overrides and isolates, so a name cannot fake its extension', () => {
    expect(displayFileName('invoice\u202Efdp.exe')).toBe('invoice\uFFFDfdp.exe');
    expect(displayFileName('a\u2066b\u2069c\u200Fd')).toBe('a\uFFFDb\uFFFDc\uFFFDd');
  });

  it('keeps a name on one line and never empty', () => {
    expect(displayFileName('two\nlines')).toBe('two\uFFFDlines');
    expect(displayFileName('  ')).toBe('attachment');
  });

  it('saves without path separators', () => {
    expect(saveFileName('../../etc/passwd')).toBe('.._.._etc_passwd');
  });

  it('formats sizes', () => {
    expect(formatFileSize(999)).toBe('999 bytes');
    expect(formatFileSize(1536)).toBe('1.5 KiB');
    expect(formatFileSize(100 * 1024 * 1024)).toBe('100 MiB');
  });
});
