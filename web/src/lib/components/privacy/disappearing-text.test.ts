import type { ChatMessage } from '@veil/client';
import { describe, expect, it } from 'vitest';
import { timerChangeText, timerLabel, typingText } from './disappearing-text';

const change = (direction: 'in' | 'out', seconds: number): ChatMessage => ({
  id: '00',
  direction,
  peer: 'alice',
  text: '',
  sentAt: 0,
  storedAt: 0,
  mark: 'delivered',
  seen: true,
  timerChange: { seconds },
});

describe('disappearing-message words', () => {
  it('names every offered timer and any other a peer may send', () => {
    expect([0, 30, 300, 3600, 86_400, 604_800, 90, 7].map(timerLabel)).toEqual([
      'Off',
      '30 seconds',
      '5 minutes',
      '1 hour',
      '1 day',
      '1 week',
      '90 seconds',
      '7 seconds',
    ]);
  });

  it('says who changed the timer', () => {
    expect(timerChangeText(change('in', 3600), 'Alice')).toBe(
      'Alice set disappearing messages to 1 hour',
    );
    expect(timerChangeText(change('out', 0), 'Alice')).toBe('You turned off disappearing messages');
  });

  it('says who is typing', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['alice'])).toBe('alice is typing…');
    expect(typingText(['alice', 'bob'])).toBe('alice and bob are typing…');
    expect(typingText(['a', 'b', 'c'])).toBe('3 people are typing…');
  });
});
