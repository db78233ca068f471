// Typing indicators, for 1:1 and group conversations alike (keyed by a conversation key,
// `direct:<account>` or `group:<id>`). Both halves live in memory only — nothing here is stored:
//  - sending: a `typing` record at most every START_EVERY_MS while the user types, and a stop on
//    send, on blur, or after IDLE_STOP_MS without a keystroke; sent only while the setting is on and
//    the socket is up (the caller drops it otherwise: a typing indicator is never queued);
//  - receiving: who is typing where, each entry expiring EXPIRE_MS after its last refresh, and a
//    record older than EXPIRE_MS (delivered late, from the mailbox) ignored by its `sentAt`.

export const TYPING_TIMING = {
  /** A new "typing" goes out at most this often while typing continues. */
  startEveryMs: 3_000,
  /** No keystroke for this long sends "stopped". */
  idleStopMs: 5_000,
  /** A receiver forgets a typist this long after the last refresh (a lost "stopped"). */
  expireMs: 6_000,
} as const;

export function directConversation(peer: string): string {
  return `direct:${peer}`;
}

export function groupConversation(groupId: string): string {
  return `group:${groupId}`;
}

export interface TypingDeps {
  /** Sends one typing record to the conversation; drops it when it cannot go now. */
  readonly send: (conversation: string, typing: boolean) => Promise<void>;
  /** Whether the user shares (and sees) typing indicators: the setting. */
  readonly enabled: () => Promise<boolean>;
  /** Who is typing in `conversation` changed. */
  readonly onChange: (conversation: string, typists: readonly string[]) => void;
  readonly now: () => number;
}

interface Typist {
  readonly sentAt: number;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class Typing {
  /** Our own typing, per conversation: when "typing" last went out, and the idle stop. */
  private readonly ours = new Map<
    string,
    { startedAt: number; idle: ReturnType<typeof setTimeout> }
  >();
  /** Theirs: conversation → account → entry. */
  private readonly theirs = new Map<string, Map<string, Typist>>();

  constructor(private readonly deps: TypingDeps) {}

  /** The user typed in `conversation` (call on every input). */
  async typed(conversation: string): Promise<void> {
    if (!(await this.deps.enabled())) return;
    const now = this.deps.now();
    const current = this.ours.get(conversation);
    if (current !== undefined) clearTimeout(current.idle);
    const due = current === undefined || now - current.startedAt >= TYPING_TIMING.startEveryMs;
    const idle = setTimeout(() => void this.stopped(conversation), TYPING_TIMING.idleStopMs);
    this.ours.set(conversation, { startedAt: due ? now : current.startedAt, idle });
    if (due) await this.deps.send(conversation, true);
  }

  /** The user sent, left the field, or went idle: "stopped" if "typing" went out. */
  async stopped(conversation: string): Promise<void> {
    const current = this.ours.get(conversation);
    if (current === undefined) return;
    clearTimeout(current.idle);
    this.ours.delete(conversation);
    await this.deps.send(conversation, false);
  }

  /** A typing record from `accountId` in `conversation` (sender already checked by the caller). */
  async received(options: {
    conversation: string;
    accountId: string;
    typing: boolean;
    sentAt: number;
  }): Promise<void> {
    const { conversation, accountId, typing, sentAt } = options;
    // Ours is off: we do not see others' either (as with read receipts, sharing is reciprocal).
    if (!(await this.deps.enabled())) return;
    if (this.deps.now() - sentAt > TYPING_TIMING.expireMs) return; // stale: delivered late
    const people = this.theirs.get(conversation) ?? new Map<string, Typist>();
    const held = people.get(accountId);
    if (held !== undefined && held.sentAt > sentAt) return; // overtaken by a newer one
    if (held !== undefined) clearTimeout(held.timer);
    if (typing) {
      const timer = setTimeout(() => this.forget(conversation, accountId), TYPING_TIMING.expireMs);
      people.set(accountId, { sentAt, timer });
      this.theirs.set(conversation, people);
      if (held === undefined) this.changed(conversation);
    } else if (held !== undefined) {
      this.forget(conversation, accountId);
    }
  }

  /** A message from `accountId` arrived: they stopped typing it. */
  sent(conversation: string, accountId: string): void {
    if (this.theirs.get(conversation)?.has(accountId) === true)
      this.forget(conversation, accountId);
  }

  /** Who is typing in `conversation` now, in the order they started. */
  typists(conversation: string): string[] {
    return [...(this.theirs.get(conversation)?.keys() ?? [])];
  }

  /** Forgets everything and stops every timer (the vault locked). */
  clear(): void {
    for (const { idle } of this.ours.values()) clearTimeout(idle);
    this.ours.clear();
    for (const people of this.theirs.values()) {
      for (const { timer } of people.values()) clearTimeout(timer);
    }
    this.theirs.clear();
  }

  private forget(conversation: string, accountId: string): void {
    const people = this.theirs.get(conversation);
    const held = people?.get(accountId);
    if (people === undefined || held === undefined) return;
    clearTimeout(held.timer);
    people.delete(accountId);
    if (people.size === 0) this.theirs.delete(conversation);
    this.changed(conversation);
  }

  private changed(conversation: string): void {
    this.deps.onChange(conversation, this.typists(conversation));
  }
}
