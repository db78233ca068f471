// How long the client waits before each socket reconnect: exponential backoff with "full jitter"
// (a uniform draw between 0 and the exponential ceiling), so that thousands of clients dropped by
// the same relay restart do not all come back in the same instant.

export interface ReconnectBackoffOptions {
  /** Ceiling of the first delay, in milliseconds. */
  readonly baseMs?: number;
  /** Largest ceiling any delay can have, in milliseconds. */
  readonly capMs?: number;
  /**
   * Uniform source in [0, 1). Jitter only spreads load, it protects no secret, so `Math.random`
   * is the right default; tests pass a fixed sequence.
   */
  readonly random?: () => number;
}

export const DEFAULT_RECONNECT_BASE_MS = 500;
export const DEFAULT_RECONNECT_CAP_MS = 30_000;

export class ReconnectBackoff {
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: ReconnectBackoffOptions = {}) {
    const baseMs = options.baseMs ?? DEFAULT_RECONNECT_BASE_MS;
    const capMs = options.capMs ?? DEFAULT_RECONNECT_CAP_MS;
    if (!Number.isSafeInteger(baseMs) || baseMs < 1) {
      throw new RangeError(`ReconnectBackoff: baseMs must be a positive integer, got ${baseMs}`);
    }
    if (!Number.isSafeInteger(capMs) || capMs < baseMs) {
      throw new RangeError(`ReconnectBackoff: capMs must be an integer >= baseMs, got ${capMs}`);
    }
    this.#baseMs = baseMs;
    this.#capMs = capMs;
    this.#random = options.random ?? Math.random;
  }

  /** Failed attempts since the last `reset()`. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The ceiling of the next delay: `min(cap, base * 2^attempt)`. */
  get ceilingMs(): number {
    // 2 ** attempt stays finite up to attempt 1023, and the cap is reached long before that.
    return Math.min(this.#capMs, this.#baseMs * 2 ** Math.min(this.#attempt, 1023));
  }

  /** Delay before the next reconnect, in whole milliseconds in [0, ceilingMs); counts one attempt. */
  nextDelayMs(): number {
    const draw = this.#random();
    if (!(draw >= 0 && draw < 1)) {
      throw new RangeError(
        `ReconnectBackoff: random() must return a number in [0, 1), got ${draw}`,
      );
    }
    const delay = Math.floor(draw * this.ceilingMs);
    this.#attempt += 1;
    return delay;
  }

  /** Call once a connection has been established, so the next outage starts from the base again. */
  reset(): void {
    this.#attempt = 0;
  }
}
