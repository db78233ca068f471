// The unread total outside the conversation list: "(3) Chats · Veil" in the document title (each
// screen sets its own title; the count is put in front of whatever it is) and the installed app's
// badge, where the browser has the Badging API.

const COUNT_PREFIX = /^\(\d+\+?\) /;

/** `title` with the count in front ("(3) …"), or without one when nothing is unread. */
export function titleWithCount(title: string, count: number): string {
  const bare = title.replace(COUNT_PREFIX, '');
  if (count <= 0) return bare;
  return `(${count > 99 ? '99+' : String(count)}) ${bare}`;
}

interface Badging {
  setAppBadge?: (count?: number) => Promise<void>;
  clearAppBadge?: () => Promise<void>;
}

/** Sets or clears the app badge; browsers without the API (or refusing it) are left alone. */
export function showAppBadge(navigator: Badging, count: number): void {
  const done = count > 0 ? navigator.setAppBadge?.(count) : navigator.clearAppBadge?.();
  // Refused when not installed, or by policy: the title still shows the count.
  done?.catch(() => undefined);
}
