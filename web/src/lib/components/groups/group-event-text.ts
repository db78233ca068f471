// A group timeline row in words ("alice added bob"); shown as text, never as markup. The title a
// member chose is neutralised and isolated (plain-text.ts), so it cannot reorder the words around it.
import type { GroupEvent } from '@veil/client';
import { displayGroupName, isolateInText } from '../../plain-text';

export function groupEventText(event: GroupEvent, self: string): string {
  const who = (accountId: string | null): string =>
    accountId === self ? 'You' : (accountId ?? '');
  const whom = (accountId: string | null): string =>
    accountId === self ? 'you' : (accountId ?? '');
  const title = (name: string | undefined): string => isolateInText(displayGroupName(name ?? ''));
  switch (event.type) {
    case 'create':
      return `${who(event.actor)} created the group “${title(event.name)}”`;
    case 'add':
      return `${who(event.actor)} added ${whom(event.target)}`;
    case 'remove':
      return `${who(event.actor)} removed ${whom(event.target)}`;
    case 'promote':
      return `${who(event.actor)} made ${whom(event.target)} an admin`;
    case 'rename':
      return `${who(event.actor)} renamed the group to “${title(event.name)}”`;
    case 'leave':
      return `${who(event.actor)} left`;
    case 'link':
      return `${who(event.actor)} changed the invite link`;
  }
}
