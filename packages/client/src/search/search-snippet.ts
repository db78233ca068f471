// The part of a message a search result shows: a window of words around the first match, cut at
// word boundaries, with every matching word marked. Returned as plain parts (text + whether it is a
// match) so the view renders them as text, never as HTML.
import { wordsWithOffsets } from './search-terms';

export interface SnippetPart {
  readonly text: string;
  readonly match: boolean;
}

/** How many characters of context a snippet keeps on each side of its first match. */
const CONTEXT = 40;

/**
 * `text` cut to about 2 × CONTEXT characters around its first word that `matches` (given the
 * word's folded form; a prefix query marks the whole word it matched).
 */
export function snippet(text: string, isMatch: (term: string) => boolean): SnippetPart[] {
  const words = wordsWithOffsets(text);
  const matches = words.filter((word) => isMatch(word.term));
  const first = matches[0];
  let from = 0;
  let to = text.length;
  if (first !== undefined && text.length > 2 * CONTEXT) {
    // Start and end on word boundaries so no half word shows.
    from = words.find((w) => w.end >= first.start - CONTEXT)?.start ?? 0;
    if (from > first.start) from = first.start;
    to = words.findLast((w) => w.start <= first.end + CONTEXT)?.end ?? text.length;
    if (to < first.end) to = first.end;
  } else if (text.length > 2 * CONTEXT) {
    to = words.findLast((w) => w.start <= 2 * CONTEXT)?.end ?? 2 * CONTEXT;
  }
  const parts: SnippetPart[] = [];
  if (from > 0) parts.push({ text: '…', match: false });
  let at = from;
  for (const word of matches) {
    if (word.start < from || word.end > to) continue;
    if (word.start > at) parts.push({ text: text.slice(at, word.start), match: false });
    parts.push({ text: text.slice(word.start, word.end), match: true });
    at = word.end;
  }
  if (at < to) parts.push({ text: text.slice(at, to), match: false });
  if (to < text.length) parts.push({ text: '…', match: false });
  return parts;
}
