import { describe, expect, test } from 'vitest';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { fromUtf8, utf8 } from './bytes';

describe('UTF-8 text fields', () => {
  test('decoding is the exact inverse of encoding, a leading byte-order mark included', () => {
    for (const text of ['\uFEFFalice', '\uFEFF', 'a\uFEFFb', '\uFEFF\uFEFFx', 'plain']) {
      const bytes = utf8(text);
      expect(fromUtf8(bytes, 'test')).toBe(text);
      expect(utf8(fromUtf8(bytes, 'test'))).toEqual(bytes);
    }
  });

  test('invalid UTF-8 is refused as MALFORMED', () => {
    expectProtocolError(() => fromUtf8(Uint8Array.of(0xc3, 0x28), 'test'), 'MALFORMED');
  });
});
