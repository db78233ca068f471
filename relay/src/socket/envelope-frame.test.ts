// The shared-body frame must be exactly the UTF-8 of what JSON.stringify would send, body cached or
// not.
import { describe, expect, it } from 'vitest';
import { envelopeFrame } from './envelope-frame';

describe('envelopeFrame', () => {
  it('matches JSON.stringify of the frame, with and without a key record, across bodies', () => {
    const envelopes = [
      { seq: 1, body: 'QUJD', receivedAt: 1_700_000_000_000 },
      { seq: 2, body: 'QUJD', keyRecord: 'a2V5LXJlY29yZA', receivedAt: 1_700_000_000_001 },
      { seq: 3, body: 'REVG_-', receivedAt: 5 },
      { seq: 4, body: 'QUJD', receivedAt: 6 },
      { seq: 123_456_789, body: 'A'.repeat(5462), keyRecord: 'a2V5', receivedAt: 7 },
    ];
    for (const envelope of envelopes) {
      const frame = envelopeFrame(envelope);
      expect(frame.toString('utf8')).toBe(JSON.stringify({ type: 'envelope', ...envelope }));
      expect(frame.length).toBe(
        Buffer.byteLength(JSON.stringify({ type: 'envelope', ...envelope })),
      );
    }
  });
});
