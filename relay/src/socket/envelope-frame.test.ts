// The shared-body frame text must be exactly what JSON.stringify would send, body cached or not.
import { describe, expect, it } from 'vitest';
import { envelopeFrameText } from './envelope-frame';

describe('envelopeFrameText', () => {
  it('matches JSON.stringify of the frame, with and without a key record, across bodies', () => {
    const envelopes = [
      { seq: 1, body: 'QUJD', receivedAt: 1_700_000_000_000 },
      { seq: 2, body: 'QUJD', keyRecord: 'a2V5LXJlY29yZA', receivedAt: 1_700_000_000_001 },
      { seq: 3, body: 'REVG_-', receivedAt: 5 },
      { seq: 4, body: 'QUJD', receivedAt: 6 },
    ];
    for (const envelope of envelopes) {
      expect(envelopeFrameText(envelope)).toBe(JSON.stringify({ type: 'envelope', ...envelope }));
    }
  });
});
