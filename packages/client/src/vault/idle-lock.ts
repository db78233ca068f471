// Locks the vault after a period without user activity. The clock and timer are injectable so the
// behaviour is tested without waiting; the PWA feeds it pointer, key and visibility events.
export interface IdleClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: IdleClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export class IdleLock {
  private lastActivity: number;
  private handle: unknown = null;

  constructor(
    private readonly lock: () => void,
    private timeoutMs: number,
    private readonly clock: IdleClock = systemClock,
  ) {
    this.lastActivity = clock.now();
  }

  /** Starts (or restarts) watching; call after every unlock. */
  start(): void {
    this.lastActivity = this.clock.now();
    this.schedule(this.timeoutMs);
  }

  stop(): void {
    if (this.handle !== null) this.clock.clearTimeout(this.handle);
    this.handle = null;
  }

  /** Any user activity postpones the lock. Cheap: it only records the time. */
  activity(): void {
    this.lastActivity = this.clock.now();
  }

  /**
   * Locks at once if the idle time has already passed. For a page coming back into view: browsers
   * throttle timers in hidden tabs, so the scheduled lock may not have run yet.
   */
  check(): void {
    if (this.handle === null) return;
    if (this.clock.now() - this.lastActivity >= this.timeoutMs) {
      this.stop();
      this.lock();
    }
  }

  setTimeoutMs(timeoutMs: number): void {
    this.timeoutMs = timeoutMs;
    if (this.handle !== null) this.start();
  }

  private schedule(delay: number): void {
    this.stop();
    this.handle = this.clock.setTimeout(() => {
      const idle = this.clock.now() - this.lastActivity;
      if (idle >= this.timeoutMs) {
        this.handle = null;
        this.lock();
      } else {
        this.schedule(this.timeoutMs - idle);
      }
    }, delay);
  }
}
