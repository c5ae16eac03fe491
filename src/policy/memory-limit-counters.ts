import type { ChargeOutcome, LimitCounters, WindowCharge, WindowState } from './limit-counters.js';

interface Window {
  start: number;
  used: number;
}

/** The embedded counters: one process, exact, nothing to run. */
export class MemoryLimitCounters implements LimitCounters {
  readonly #windows = new Map<string, Window>();
  readonly #slots = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async charge(charges: WindowCharge[], windowMs: number): Promise<ChargeOutcome> {
    const start = Math.floor(this.#now() / windowMs) * windowMs;
    const windows = charges.map((charge) => this.#window(charge.counter, start));
    const states: WindowState[] = charges.map((charge, index) => ({
      counter: charge.counter,
      limit: charge.limit,
      used: windows[index]!.used,
      resetAt: start + windowMs,
    }));
    const refusedIndex = charges.findIndex((charge, index) => windows[index]!.used + charge.amount > charge.limit);
    if (refusedIndex >= 0) return { admitted: false, refused: states[refusedIndex]!, states };
    charges.forEach((charge, index) => {
      windows[index]!.used += charge.amount;
      states[index]!.used = windows[index]!.used;
    });
    return { admitted: true, states };
  }

  async adjust(counter: string, windowStart: number, _windowMs: number, delta: number): Promise<void> {
    const window = this.#windows.get(counter);
    if (window && window.start === windowStart) window.used = Math.max(0, window.used + delta);
  }

  async acquireSlot(counter: string, limit: number): Promise<boolean> {
    const taken = this.#slots.get(counter) ?? 0;
    if (taken >= limit) return false;
    this.#slots.set(counter, taken + 1);
    return true;
  }

  async releaseSlot(counter: string): Promise<void> {
    const taken = (this.#slots.get(counter) ?? 0) - 1;
    if (taken > 0) this.#slots.set(counter, taken);
    else this.#slots.delete(counter);
  }

  #window(counter: string, start: number): Window {
    let window = this.#windows.get(counter);
    if (!window || window.start !== start) {
      // A new window replaces the old one: memory stays one entry per active counter.
      window = { start, used: 0 };
      this.#windows.set(counter, window);
    }
    return window;
  }
}
