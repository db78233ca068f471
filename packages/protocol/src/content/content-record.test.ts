import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isProtocolError } from '../errors';
import { decodeContent, encodeContent, type Content } from './content-record';

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const base = { messageId: id, sentAt: fc.nat({ max: 2 ** 48 }) };
const text = fc.string({ unit: 'grapheme', maxLength: 200 });

const content: fc.Arbitrary<Content> = fc.oneof(
  fc.record({ ...base, type: fc.constant('text' as const), text, replyTo: fc.option(id) }),
  fc.record({
    ...base,
    type: fc.constant('attachment' as const),
    pointer: fc.uint8Array({ maxLength: 300 }),
    caption: text,
    replyTo: fc.option(id),
  }),
  fc.record({
    ...base,
    type: fc.constant('reaction' as const),
    target: id,
    emoji: fc.constantFrom('👍', '❤️', '😂', '🇺🇦', '👩‍👩‍👧'),
    remove: fc.boolean(),
  }),
  fc.record({
    ...base,
    type: fc.constant('receipt' as const),
    kind: fc.constantFrom('delivered' as const, 'read' as const),
    targets: fc.array(id, { minLength: 1, maxLength: 20 }),
  }),
  fc.record({ ...base, type: fc.constant('typing' as const), typing: fc.boolean() }),
  fc.record({ ...base, type: fc.constant('edit' as const), target: id, text }),
  fc.record({ ...base, type: fc.constant('delete' as const), target: id }),
  fc.record({
    ...base,
    type: fc.constant('groupOperation' as const),
    operation: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({
    ...base,
    type: fc.constant('disappearingTimer' as const),
    seconds: fc.nat({ max: 2 ** 32 - 1 }),
  }),
  fc.record({
    ...base,
    type: fc.constant('senderKeyDistribution' as const),
    distribution: fc.uint8Array({ maxLength: 300 }),
  }),
);

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
};

describe('content record', () => {
  test('every content type round-trips exactly', () => {
    fc.assert(
      fc.property(content, (value) => {
        expect(decodeContent(encodeContent(value))).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  test('truncation, trailing bytes, unknown versions and types are refused with their codes', () => {
    fc.assert(
      fc.property(content, fc.nat(), (value, cut) => {
        const bytes = encodeContent(value);
        expect(codeOf(() => decodeContent(bytes.subarray(0, cut % bytes.length)))).toBe(
          'TRUNCATED',
        );
        expect(codeOf(() => decodeContent(Uint8Array.of(...bytes, 0)))).toBe('MALFORMED');
      }),
      { numRuns: 200 },
    );
    const bytes = encodeContent({
      type: 'typing',
      messageId: new Uint8Array(16),
      sentAt: 1,
      typing: true,
    });
    expect(codeOf(() => decodeContent(Uint8Array.of(2, ...bytes.subarray(1))))).toBe(
      'UNKNOWN_VERSION',
    );
    expect(codeOf(() => decodeContent(Uint8Array.of(1, 99, ...bytes.subarray(2))))).toBe(
      'MALFORMED',
    );
  });

  test('limits: oversized text, long reactions and empty receipts are refused', () => {
    const messageId = new Uint8Array(16);
    expect(
      codeOf(() =>
        encodeContent({
          type: 'text',
          messageId,
          sentAt: 0,
          text: 'x'.repeat(70_000),
          replyTo: null,
        }),
      ),
    ).toBe('TOO_LARGE');
    expect(
      codeOf(() =>
        encodeContent({
          type: 'reaction',
          messageId,
          sentAt: 0,
          target: messageId,
          emoji: '👍'.repeat(10),
          remove: false,
        }),
      ),
    ).toBe('TOO_LARGE');
    expect(
      codeOf(() =>
        encodeContent({ type: 'receipt', messageId, sentAt: 0, kind: 'read', targets: [] }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });
});
