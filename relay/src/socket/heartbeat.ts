// One timer for every socket's heartbeat: each socket is pinged once per interval and ended if it
// did not answer the ping before (a peer gone without a FIN, like a phone that lost its network).
// A timer per socket was a Timeout, a closure and its context on every idle socket, a tenth of
// its heap (bench: transport, heap snapshots), and ten thousand timers doing one job. The sockets
// are spread over SLICES slots beaten in turn, so ten thousand pings are not one event-loop turn.

/** A socket the heartbeat keeps: `beat` pings it, or ends it if the last ping went unanswered. */
export interface Beating {
  beat(): void;
}

const SLICES = 10;

export class Heartbeat {
  private readonly slots = Array.from({ length: SLICES }, () => new Set<Beating>());
  private nextSlot = 0;
  private beating = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs: number) {}

  add(member: Beating): void {
    this.slots[this.nextSlot++ % SLICES]!.add(member);
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      // A member may leave during its beat (terminate closes it): iterate a copy.
      for (const each of [...this.slots[this.beating++ % SLICES]!]) each.beat();
    }, this.intervalMs / SLICES);
    this.timer.unref();
  }

  remove(member: Beating): void {
    // Ten deletes rather than a map of member to slot: one entry less per socket.
    for (const slot of this.slots) slot.delete(member);
    if (this.timer === null || this.slots.some((slot) => slot.size > 0)) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}
