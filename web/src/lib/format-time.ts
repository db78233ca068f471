// Times as the conversation screens show them: a clock time for today, a short date otherwise, so
// the list stays one line wide at 360 px. The full date goes in the <time datetime> attribute.

/** "14:05" today; "3 Mar" earlier this year; "3 Mar 2023" before that. */
export function formatListTime(ms: number, now: number = Date.now()): string {
  const date = new Date(ms);
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return formatClockTime(ms);
  return date.toLocaleDateString([], {
    day: 'numeric',
    month: 'short',
    ...(date.getFullYear() === today.getFullYear() ? {} : { year: 'numeric' }),
  });
}

export function formatClockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
