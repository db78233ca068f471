// The loaded part of one conversation: the newest page first, older pages prepended as the user
// scrolls up, and the loaded tail re-read after each change (a message arrived, a mark moved). Only
// loaded pages are decrypted and in the DOM, so a history of thousands costs what has been viewed.
// Results are merged by sequence number, so a refresh and an older page racing each other agree.
import type { ChatMessage, StoredMessage } from '@veil/client';
import { searchActions } from '$lib/components/search/search-actions';
import { HISTORY_PAGE, veil } from '$lib/veil/veil-app.svelte';

/** How much of the loaded tail a refresh re-reads: new messages and moving marks land there. */
const REFRESH_WINDOW = HISTORY_PAGE;

type Row = StoredMessage<ChatMessage>;

export class ConversationHistory {
  messages = $state.raw<readonly Row[]>([]);
  /** False once the first message of the conversation is loaded. */
  hasOlder = $state(true);
  /** True while opened on a search hit with newer messages not loaded yet (see jumpTo). */
  hasNewer = $state(false);
  loadingOlder = $state(false);
  /** The first page has been read (a view scrolls to the bottom once, then follows the user). */
  loaded = $state(false);

  constructor(readonly peer: string) {}

  /** Re-reads the loaded tail (or the newest page the first time). */
  async refresh(): Promise<void> {
    const current = this.messages;
    if (current.length === 0) {
      const page = await veil.historyPage(this.peer);
      this.messages = page;
      this.hasOlder = page.length === HISTORY_PAGE;
      this.loaded = true;
      return;
    }
    const from = current[Math.max(0, current.length - REFRESH_WINDOW)]!.seq;
    if (this.hasNewer) {
      // Opened mid-history: re-read the loaded window only, not everything up to the newest.
      const window = await searchActions.newer(this.peer, from - 1);
      const last = current[current.length - 1]!.seq;
      const kept = window.filter((m) => m.seq <= last);
      this.messages = [...this.messages.filter((m) => m.seq < from), ...kept];
      return;
    }
    const tail = await veil.historySince(this.peer, from);
    // A disappearing message above the re-read tail is deleted from the store but still loaded here.
    const now = Date.now();
    const kept = this.messages.filter(
      (m) => m.seq < from && (m.value.expiresAt === undefined || m.value.expiresAt > now),
    );
    this.messages = [...kept, ...tail];
  }

  /** Prepends the page before the oldest loaded message; returns whether anything was added. */
  async loadOlder(): Promise<boolean> {
    const oldest = this.messages[0];
    if (this.loadingOlder || !this.hasOlder || oldest === undefined) return false;
    this.loadingOlder = true;
    try {
      const page = await veil.historyPage(this.peer, oldest.seq);
      this.hasOlder = page.length === HISTORY_PAGE;
      const first = this.messages[0]?.seq ?? Number.POSITIVE_INFINITY;
      const older = page.filter((m) => m.seq < first);
      this.messages = [...older, ...this.messages];
      return older.length > 0;
    } finally {
      this.loadingOlder = false;
    }
  }

  /**
   * Opens the conversation on message `seq` (a search hit), however far back: the page ending with
   * it and the page after it; older and newer pages load as the user scrolls either way.
   */
  async jumpTo(seq: number): Promise<void> {
    const { rows, hasOlder, hasNewer } = await searchActions.around(this.peer, seq);
    this.messages = rows;
    this.hasOlder = hasOlder;
    this.hasNewer = hasNewer;
    this.loaded = true;
  }

  /** Appends the page after the newest loaded message (opened on a hit); false when none came. */
  async loadNewer(): Promise<boolean> {
    const newest = this.messages[this.messages.length - 1];
    if (!this.hasNewer || newest === undefined) return false;
    const page = await searchActions.newer(this.peer, newest.seq);
    this.hasNewer = page.length === HISTORY_PAGE;
    const last = this.messages[this.messages.length - 1]?.seq ?? 0;
    this.messages = [...this.messages, ...page.filter((m) => m.seq > last)];
    return page.length > 0;
  }

  /** Back to the newest page (after sending from a view opened mid-history). */
  async reset(): Promise<void> {
    this.messages = [];
    this.hasNewer = false;
    await this.refresh();
  }

  /** Drops a message the user deleted, wherever it is in the loaded range. */
  remove(id: string): void {
    this.messages = this.messages.filter((m) => m.value.id !== id);
  }
}
