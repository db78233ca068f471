// Scrolls a conversation to one of its messages and highlights it for a moment (a quote was
// clicked). Bubbles carry `id="message-<hex id>"` and tabindex -1, so focus follows for keyboard
// and screen-reader users. Returns false when the message is not in the loaded part of the view.
const HIGHLIGHT_MS = 2000;

export const messageElementId = (id: string): string => `message-${id}`;

export function jumpToMessage(id: string): boolean {
  const element = document.getElementById(messageElementId(id));
  if (element === null) return false;
  element.scrollIntoView({ block: 'center' });
  element.focus({ preventScroll: true });
  element.classList.add('highlight');
  setTimeout(() => element.classList.remove('highlight'), HIGHLIGHT_MS);
  return true;
}
