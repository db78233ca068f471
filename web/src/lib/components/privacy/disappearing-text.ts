// The words for disappearing-message timers and for the timeline row a timer change leaves
// ("Alice set disappearing messages to 1 hour", "You turned off disappearing messages").
import type { ChatMessage } from '@veil/client';

const UNITS: readonly [number, string][] = [
  [604_800, 'week'],
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** "30 seconds", "1 hour", "Off": the largest whole unit (any u32 a peer may have sent reads). */
export function timerLabel(seconds: number): string {
  if (seconds === 0) return 'Off';
  for (const [size, unit] of UNITS) {
    if (seconds % size === 0) {
      const count = seconds / size;
      return `${count} ${unit}${count === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}

/** The timeline text of a timer change; `who` is how the other person is named. */
export function timerChangeText(message: ChatMessage, who: string): string {
  const seconds = message.timerChange?.seconds ?? 0;
  const actor = message.direction === 'out' ? 'You' : who;
  return seconds === 0
    ? `${actor} turned off disappearing messages`
    : `${actor} set disappearing messages to ${timerLabel(seconds).toLowerCase()}`;
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…"; '' for nobody. */
export function typingText(typists: readonly string[]): string {
  if (typists.length === 0) return '';
  if (typists.length === 1) return `${typists[0]} is typing…`;
  if (typists.length === 2) return `${typists[0]} and ${typists[1]} are typing…`;
  return `${typists.length} people are typing…`;
}
