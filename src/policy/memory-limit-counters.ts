import type { ChargeOutcome, LimitCharge, LimitCounters, LimitSettlement, WindowState } from './limit-counters.js';

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

  async charge({ windows: charges, windowMs, slots }: LimitCharge): Promise<ChargeOutcome> {
    const start = Math.floor(this.#now() / windowMs) * windowMs;
    const windows = charges.map((charge) => this.#window(charge.counter, start));
    const states: WindowState[] = charges.map((charge, index) => ({
      counter: charge.counter,
      limit: charge.limit,
      used: windows[index]!.used,
      resetAt: start + windowMs,
    }));
    // Check everything, then apply everything, with no await in between: atomic within this process.
    const refusedIndex = charges.findIndex((charge, index) => windows[index]!.used + charge.amount > charge.limit);
    if (refusedIndex >= 0) return { admitted: false, states, refused: { window: states[refusedIndex]! } };
    const refusedSlot = slots.find((slot) => (this.#slots.get(slot.counter) ?? 0) >= slot.limit);
    if (refusedSlot) return { admitted: false, states, refused: { slot: refusedSlot } };
    charges.forEach((charge, index) => {
      windows[index]!.used += charge.amount;
      states[index]!.used = windows[index]!.used;
    });
    for (const slot of slots) this.#slots.set(slot.counter, (this.#slots.get(slot.counter) ?? 0) + 1);
    return { admitted: true, states };
  }

  async settle({ adjustments, slots }: LimitSettlement): Promise<void> {
    for (const { counter, windowStart, delta } of adjustments) {
      const window = this.#windows.get(counter);
      if (window && window.start === windowStart) window.used = Math.max(0, window.used + delta);
    }
    for (const counter of slots) {
      const taken = (this.#slots.get(counter) ?? 0) - 1;
      if (taken > 0) this.#slots.set(counter, taken);
      else this.#slots.delete(counter);
    }
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
