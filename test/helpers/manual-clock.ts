/**
 * A clock a test moves by hand, for rate-limit windows, cache expiry and budget periods: time passes only
 * when the test says so, so no test waits for a real minute to turn or a TTL to run out.
 */
export class ManualClock {
  #now: number;

  /** Starts at `start` (by default the real time now, so headers derived from it still read sensibly). */
  constructor(start: number = Date.now()) {
    this.#now = start;
  }

  /** Bound, so it can be handed over as `() => number`. */
  readonly now = (): number => this.#now;

  advance(milliseconds: number): void {
    this.#now += milliseconds;
  }
}
