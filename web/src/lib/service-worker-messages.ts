// Messages between the page and the service worker, in one place so both sides agree on them.

/** Sent by the page to a waiting worker when the person chooses to reload into the new version. */
export const SKIP_WAITING = { type: 'skip-waiting' } as const;
export type SkipWaiting = typeof SKIP_WAITING;

export function isSkipWaiting(data: unknown): data is SkipWaiting {
  return (
    typeof data === 'object' && data !== null && 'type' in data && data.type === SKIP_WAITING.type
  );
}
