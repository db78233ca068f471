// One event-loop turn's writes to each socket, held and let go together. A commit that holds
// several submissions publishes each to every device, and ws writes every frame with a syscall of
// its own; corked, each socket's frames of the turn reach the kernel in one write (at 1,000
// devices `writev` was the relay's largest single cost). One immediate uncorks every socket of the
// turn, as one timer flushes every socket's acks (ack-flush.ts), rather than one per socket.

/** The part of a stream corking needs (the TCP socket under a WebSocket). */
export type Corkable = { cork(): void; uncork(): void };

export class TurnCork {
  private corked = new Set<Corkable>();

  /** Holds `stream`'s writes until the current turn ends (setImmediate, after its callbacks). */
  hold(stream: Corkable): void {
    if (this.corked.has(stream)) return;
    if (this.corked.size === 0) {
      setImmediate(() => {
        this.release();
      });
    }
    this.corked.add(stream);
    stream.cork();
  }

  private release(): void {
    const streams = this.corked;
    this.corked = new Set();
    // uncork on a destroyed stream does nothing, so a socket that closed meanwhile needs no care.
    for (const stream of streams) stream.uncork();
  }
}
