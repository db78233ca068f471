// How text becomes search terms, the same for what is indexed and what is typed: words are runs of
// letters, digits and combining marks in any script (so "don't" is "don" + "t" and "e-mail" is two
// words, as users expect from a prefix search), folded so that case and diacritics never matter:
// "Café", "CAFE" and "café" (precomposed or not) are all the term "cafe", and "Straße" is "strasse".
// A regular expression, not Intl.Segmenter: the segmenter was ~13x slower on 50,000 messages, and
// scripts written without spaces still match by the prefix of their run of characters.

const WORD_BREAK = /[^\p{L}\p{N}\p{M}]+/u;
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const MARKS = /\p{M}/gu;
const ASCII = /^[ -~]*$/;

/** Folded forms of words already seen: a history repeats its vocabulary, folding is the cost. */
const folded = new Map<string, string>();
const FOLD_CACHE_LIMIT = 50_000;

/** The word in the form terms are compared in: compatibility-decomposed, marks dropped, case-folded. */
export function foldTerm(word: string): string {
  const known = folded.get(word);
  if (known !== undefined) return known;
  // Upper then lower case is the full case folding JavaScript offers ("ß" → "SS" → "ss").
  const term = ASCII.test(word)
    ? word.toLowerCase()
    : word.normalize('NFKD').replace(MARKS, '').toUpperCase().toLowerCase();
  if (folded.size >= FOLD_CACHE_LIMIT) folded.clear();
  folded.set(word, term);
  return term;
}

/** The words of `text`, unfolded (callers fold each with `foldTerm`). */
export function splitWords(text: string): string[] {
  return text.split(WORD_BREAK).filter((word) => word !== '');
}

/** Each word of `text` with where it stands, for highlighting the original text. */
export function wordsWithOffsets(text: string): { start: number; end: number; term: string }[] {
  return Array.from(text.matchAll(WORD), (match) => ({
    start: match.index,
    end: match.index + match[0].length,
    term: foldTerm(match[0]),
  }));
}
