import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isProtocolError } from '../errors';
import { utf8 } from '../encoding/bytes';
import { CONTENT_LIMITS, decodeContent, encodeContent, type Content } from './content-record';

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const base = { messageId: id, sentAt: fc.nat({ max: 2 ** 48 }) };
const text = fc.string({ unit: 'grapheme', maxLength: 200 });
const displayName = fc
  .string({ unit: 'grapheme', maxLength: 40 })
  .filter((name) => !/\p{Cc}/u.test(name) && utf8(name).length <= CONTENT_LIMITS.displayNameBytes);
const avatar = fc.record({
  format: fc.constantFrom('webp' as const, 'jpeg' as const, 'png' as const),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }),
});

// 0 is written as "keeps" and read back as no field, so a timer is 1..u32 or absent.
const withExpiry = <T extends object>(record: fc.Arbitrary<T>) =>
  fc
    .tuple(record, fc.option(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { nil: undefined }))
    .map(([value, expireSeconds]) =>
      expireSeconds === undefined ? value : { ...value, expireSeconds },
    );

const content: fc.Arbitrary<Content> = fc.oneof(
  withExpiry(
    fc.record({ ...base, type: fc.constant('text' as const), text, replyTo: fc.option(id) }),
  ),
  withExpiry(
    fc.record({
      ...base,
      type: fc.constant('attachment' as const),
      pointer: fc.uint8Array({ maxLength: 300 }),
      caption: text,
      replyTo: fc.option(id),
    }),
  ),
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
  fc.record({
    ...base,
    type: fc.constant('profile' as const),
    displayName,
    avatar: fc.option(avatar),
  }),
  fc.record({
    ...base,
    type: fc.constant('syncSent' as const),
    peer: fc.constantFrom('bob', 'carol.x', 'd'),
    // Any encoded content but a sent transcript (type code 12 in its second byte).
    content: fc.uint8Array({ maxLength: 300 }).filter((bytes) => bytes[1] !== 12),
  }),
  fc.record({
    ...base,
    type: fc.constant('joinDeclined' as const),
    groupId: id,
    requester: fc.constantFrom('dave', 'e.x', 'ü'),
  }),
  fc.record({
    ...base,
    type: fc.constant('inviteSecret' as const),
    groupId: id,
    secret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
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

  describe('profile', () => {
    const messageId = new Uint8Array(16);
    const profile = (
      displayName: string,
      avatar: Uint8Array | null,
    ): Extract<Content, { type: 'profile' }> => ({
      type: 'profile',
      messageId,
      sentAt: 1,
      displayName,
      avatar: avatar === null ? null : { format: 'webp', bytes: avatar },
    });
    /** Where the avatar format byte sits: after the header and the u16-prefixed name. */
    const formatOffset = (name: string): number => 1 + 1 + 16 + 8 + 2 + utf8(name).length;

    test('the largest name and avatar fit; one byte more is refused on both ends', () => {
      const name = 'é'.repeat(CONTENT_LIMITS.displayNameBytes / 2);
      const image = new Uint8Array(CONTENT_LIMITS.avatarBytes).fill(7);
      expect(decodeContent(encodeContent(profile(name, image)))).toEqual(profile(name, image));

      expect(codeOf(() => encodeContent(profile(`${name}x`, null)))).toBe('TOO_LARGE');
      expect(
        codeOf(() => encodeContent(profile('', new Uint8Array(CONTENT_LIMITS.avatarBytes + 1)))),
      ).toBe('TOO_LARGE');

      // A hostile sender's encoder has no limits: the decoder refuses what ours would not write.
      const longName = encodeContent(profile('x'.repeat(CONTENT_LIMITS.displayNameBytes), null));
      longName[1 + 1 + 16 + 8 + 1] = CONTENT_LIMITS.displayNameBytes + 1; // u16 length, low byte
      expect(codeOf(() => decodeContent(Uint8Array.of(...longName, 0x78)))).toBe('TOO_LARGE');
      const big = encodeContent(profile('', image));
      const view = new DataView(big.buffer, formatOffset('') + 1, 4);
      view.setUint32(0, CONTENT_LIMITS.avatarBytes + 1);
      expect(codeOf(() => decodeContent(Uint8Array.of(...big, 0)))).toBe('TOO_LARGE');
    });

    test('unknown avatar formats, empty avatars and control characters are refused', () => {
      const bytes = encodeContent(profile('Ann', Uint8Array.of(1, 2, 3)));
      for (const code of [4, 0xff]) {
        const unknown = Uint8Array.from(bytes);
        unknown[formatOffset('Ann')] = code;
        expect(codeOf(() => decodeContent(unknown))).toBe('MALFORMED');
      }
      // Format 0 ("none") followed by image bytes: the bytes are trailing garbage.
      const noneWithBytes = Uint8Array.from(bytes);
      noneWithBytes[formatOffset('Ann')] = 0;
      expect(codeOf(() => decodeContent(noneWithBytes))).toBe('MALFORMED');

      expect(codeOf(() => encodeContent(profile('Ann', new Uint8Array(0))))).toBe(
        'INVALID_ARGUMENT',
      );
      const empty = encodeContent(profile('Ann', Uint8Array.of(1)));
      expect(
        codeOf(() =>
          decodeContent(Uint8Array.of(...empty.subarray(0, formatOffset('Ann') + 1), 0, 0, 0, 0)),
        ),
      ).toBe('MALFORMED');
      expect(
        codeOf(() =>
          encodeContent({
            ...profile('Ann', null),
            avatar: { format: 'gif' as 'png', bytes: Uint8Array.of(1) },
          }),
        ),
      ).toBe('INVALID_ARGUMENT');

      for (const name of ['two\nlines', 'tab\there', 'bell\u0007', 'c1\u0085']) {
        expect(codeOf(() => encodeContent(profile(name, null)))).toBe('INVALID_ARGUMENT');
        const forged = encodeContent(profile('x'.repeat(utf8(name).length), null));
        forged.set(utf8(name), formatOffset(''));
        expect(codeOf(() => decodeContent(forged))).toBe('MALFORMED');
      }
    });
  });

  test('a text carries its disappearing timer; 0 reads back as none', () => {
    const message: Content = {
      type: 'text',
      messageId: new Uint8Array(16).fill(3),
      sentAt: 1_700_000_000_000,
      text: 'gone soon',
      replyTo: null,
      expireSeconds: 30,
    };
    expect(decodeContent(encodeContent(message))).toEqual(message);
    const keeps = decodeContent(encodeContent({ ...message, expireSeconds: 0 }));
    expect(keeps).not.toHaveProperty('expireSeconds');
    expect(keeps).toEqual({ ...message, expireSeconds: undefined });
    expect(codeOf(() => encodeContent({ ...message, expireSeconds: -1 }))).toBe('INVALID_ARGUMENT');
  });

  describe('sent transcript (syncSent)', () => {
    const text: Content = {
      type: 'text',
      messageId: new Uint8Array(16).fill(7),
      sentAt: 1_700_000_000_000,
      text: 'hello',
      replyTo: null,
    };
    const transcript = (inner: Uint8Array, peer = 'bob'): Content => ({
      type: 'syncSent',
      messageId: new Uint8Array(16).fill(9),
      sentAt: 1_700_000_000_001,
      peer,
      content: inner,
    });

    test('carries the peer and the original content byte for byte', () => {
      const decoded = decodeContent(encodeContent(transcript(encodeContent(text))));
      expect(decoded.type === 'syncSent' && decoded.peer).toBe('bob');
      expect(decoded.type === 'syncSent' && decodeContent(decoded.content)).toEqual(text);
    });

    test('never nests, and always names a peer', () => {
      const once = encodeContent(transcript(encodeContent(text)));
      expect(codeOf(() => encodeContent(transcript(once)))).toBe('INVALID_ARGUMENT');
      expect(codeOf(() => encodeContent(transcript(encodeContent(text), '')))).toBe(
        'INVALID_ARGUMENT',
      );
      // A nested transcript forged past the encoder is refused by the decoder.
      const inner = encodeContent(text);
      const forged = encodeContent(transcript(inner));
      forged[forged.length - inner.length + 1] = 12;
      expect(codeOf(() => decodeContent(forged))).toBe('MALFORMED');
    });
  });
});
