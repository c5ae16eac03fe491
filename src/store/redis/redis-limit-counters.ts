import type { Redis } from 'ioredis';
import type { ChargeOutcome, LimitCharge, LimitCounters, LimitSettlement, WindowState } from '../../policy/limit-counters.js';
import type { RecheckInterval } from '../../policy/slot-queue.js';
import { RedisCommandBatches } from './redis-command-batches.js';

/**
 * How requests queued for a slot (`queueMs`) notice slots given back by other instances. Slots live here,
 * and an instance hears only its own releases (which wake its queue at once); for the others the head of
 * each local queue tries the charge again after 20 ms, then 40, 80, 160 and every 200 ms. That costs
 * nothing while nobody waits, and at most one script in flight per queued counter per instance (about five
 * a second once the interval has grown), so Redis load is bounded by the number of full subjects, not by the
 * number of waiters. A per-subject release notification (PUBLISH on settle, SUBSCRIBE while waiting) would
 * hear a remote release sooner but costs a subscriber connection and a publish in every settlement, queued
 * or not. Order is first come first served within an instance; across instances, heads compete.
 */
export const sharedSlotRecheck: RecheckInterval = { firstMs: 20, maxMs: 200 };

/**
 * Limit counters shared by every instance, on Redis's own clock so instances with skewed clocks agree on
 * windows. A charge is an item of the admission script (`redis-admission-script.ts`), sent with every other
 * charge and reservation of the same turn; a settlement joins the next settlement batch
 * (`redis-command-batches.ts`). Concurrency slots are leases that end with the instance that holds them.
 */
export class RedisLimitCounters implements LimitCounters {
  readonly #prefix: string;
  readonly #batches: RedisCommandBatches;
  readonly #now: (() => number) | undefined;

  /**
   * `options.now`: a clock for the windows instead of Redis's own, for tests that must not wait for a minute
   * to turn. Production passes none: instances then agree on windows whatever their own clocks say.
   * `options.batches`: shared with the budget ledger, so a request's charge and reservation are one command.
   */
  constructor(redis: Redis, prefix = 'sluice:limits:', options: { now?: (() => number) | undefined; batches?: RedisCommandBatches } = {}) {
    this.#prefix = prefix;
    this.#now = options.now;
    this.#batches = options.batches ?? new RedisCommandBatches(redis);
  }

  async charge({ windows, windowMs, slots }: LimitCharge): Promise<ChargeOutcome> {
    const batches = this.#batches;
    const keys: string[] = [];
    const args: Array<string | number> = ['c', windowMs, windows.length, slots.length, batches.slotLeaseMs, this.#now?.() ?? ''];
    for (const window of windows) {
      keys.push(this.#prefix + window.counter);
      args.push(window.limit, window.amount);
    }
    const leases: string[] = [];
    for (const slot of slots) {
      const lease = batches.leaseName();
      keys.push(this.#slotKey(slot.counter));
      args.push(slot.limit, lease);
      leases.push(lease);
    }
    const result = (await batches.admit({ keys, args })) as number[];
    const resetAt = Number(result[windows.length]);
    const refusedKind = Number(result[windows.length + 1]);
    const refusedIndex = Number(result[windows.length + 2]) - 1;
    const states: WindowState[] = windows.map((window, index) => ({ counter: window.counter, limit: window.limit, used: Number(result[index]), resetAt }));
    if (refusedKind === 1) return { admitted: false, states, refused: { window: states[refusedIndex]! } };
    if (refusedKind === 2) return { admitted: false, states, refused: { slot: slots[refusedIndex]! } };
    for (let index = 0; index < slots.length; index++) batches.leaseTaken(keys[windows.length + index]!, leases[index]!);
    return { admitted: true, states };
  }

  async settle({ adjustments, slots, sendNow }: LimitSettlement): Promise<void> {
    if (adjustments.length === 0 && slots.length === 0) return;
    await this.#batches.settle({
      windows: adjustments.map((adjustment) => [`${this.#prefix}${adjustment.counter}:${adjustment.windowStart}`, adjustment.delta] as const),
      slots: slots.map((slot) => this.#slotKey(slot)),
      sendNow,
    });
  }

  /** Lease sets live apart from the slot counters of earlier versions (plain integers), which expire by themselves. */
  #slotKey(counter: string): string {
    return `${this.#prefix}leases:${counter}`;
  }
}
