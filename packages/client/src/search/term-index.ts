// The inverted index under MessageSearch: each folded term → the documents (small integers) whose
// text holds it, in MiniSearch's radix tree (SearchableMap), so a query word expands to every term
// it is a prefix of by walking one subtree. Matching is all it does — ranking is by time, in the
// caller — which is why this is not MiniSearch's own index: that one scores every candidate with
// BM25, and on 50,000 messages a common word took ~10x the query budget in scores nobody reads.
// Documents are never renumbered: a removed one is forgotten by the caller (its number no longer
// names an entry) and its postings are dropped at the next compaction.
import SearchableMap from 'minisearch/SearchableMap';
import { foldTerm, splitWords } from './search-terms';

export class TermIndex {
  private readonly terms = new SearchableMap<number[]>();

  /** Indexes `text` under document number `doc` (numbers only grow). */
  add(doc: number, text: string): void {
    for (const term of new Set(splitWords(text).map(foldTerm))) {
      const postings = this.terms.get(term);
      if (postings === undefined) this.terms.set(term, [doc]);
      else postings.push(doc);
    }
  }

  /**
   * The documents holding, for every word of `query`, a term that starts with it; `live` says
   * which numbers still name a document. Empty for a query with no words.
   */
  match(query: string, live: (doc: number) => boolean, docCount: number): number[] {
    const words = [...new Set(splitWords(query).map(foldTerm))];
    if (words.length === 0 || words.length > 255) return [];
    // seen[doc] counts the query words matched so far: a document moves from k to k + 1 only
    // through word k, so after the last word exactly the documents matching all of them are at
    // words.length, each reached once even when several of its terms share the prefix.
    const seen = new Uint8Array(docCount);
    const found: number[] = [];
    words.forEach((word, k) => {
      const last = k === words.length - 1;
      for (const [, postings] of this.terms.atPrefix(word)) {
        for (const doc of postings) {
          if (seen[doc] !== k) continue;
          seen[doc] = k + 1;
          if (last && live(doc)) found.push(doc);
        }
      }
    });
    return found;
  }

  /** Drops every posting of documents no longer live (after many removals and edits). */
  compact(live: (doc: number) => boolean): void {
    const changed: [string, number[]][] = [];
    for (const [term, postings] of this.terms) {
      const kept = postings.filter(live);
      if (kept.length !== postings.length) changed.push([term, kept]);
    }
    // Applied after the walk: the tree is not changed under its own iterator.
    for (const [term, kept] of changed) {
      if (kept.length === 0) this.terms.delete(term);
      else this.terms.set(term, kept);
    }
  }

  clear(): void {
    this.terms.clear();
  }
}
