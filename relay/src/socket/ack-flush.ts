// One timer for the acknowledgements of every socket. A fan-out to a thousand devices brings a
// thousand acks back within a few milliseconds of each other; with a timer per socket they reached
// the mailbox spread over as many event-loop turns, each turn's share its own transaction (a bench
// run: 479 ack transactions for 35 messages, half of them holding one ack), and every one of those
// blocked the event loop for its commit, right where the next fan-out wanted to run. Flushed
// together, each wave of acks is one transaction.

/** Something holding acknowledgements in memory until `flushAcks` hands them to the mailbox. */
export interface AckHolder {
  flushAcks(): void;
}

export class AckFlusher {
  private readonly due = new Set<AckHolder>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly delayMs: number) {}

  /** `holder` has acks to write: they go, with every other holder's, within `delayMs`. */
  schedule(holder: AckHolder): void {
    this.due.add(holder);
    this.timer ??= setTimeout(() => {
      this.flush();
    }, this.delayMs);
  }

  /** A holder that flushes on its own (a closing socket) need not be flushed again. */
  cancel(holder: AckHolder): void {
    this.due.delete(holder);
    if (this.due.size === 0 && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** Writes every holder's acks now; the mailbox batches them into one commit. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const holders = [...this.due];
    this.due.clear();
    for (const holder of holders) holder.flushAcks();
  }
}
