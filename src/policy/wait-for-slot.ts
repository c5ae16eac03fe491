import type { ChargeOutcome, LimitCharge, LimitCounters, SlotCharge } from './limit-counters.js';
import type { AbortNotice, SlotQueue } from './slot-queue.js';

/** How a wait for a concurrency slot ended. */
export interface SlotWait {
  /**
   * `admitted`: the whole charge went through once the slot was free; `refused`: a try was refused by
   * something not worth waiting for (a rate window, a cap without a queue); `timeout`: no slot within the
   * queue time; `full`: too many already waiting; `aborted`: the caller went away.
   */
  ending: 'admitted' | 'refused' | 'timeout' | 'full' | 'aborted';
  /** The last try's outcome, when there was one. */
  outcome: ChargeOutcome | undefined;
  /** The slot waited for last (the wait may move on to another subject's full slot). */
  slot: SlotCharge;
  /** Milliseconds spent waiting, by `now`. */
  waitedMs: number;
}

/**
 * Waits, first come first served, for the slot that refused `charge`, and charges everything again each
 * time it is this request's turn: windows are charged when the slot is taken, all or nothing as before. When
 * another subject's full slot refuses it next, it moves to that queue if that subject queues too, within
 * that subject's own queue time counted from the start of the wait.
 */
export async function waitForSlot(options: {
  queue: SlotQueue;
  counters: LimitCounters;
  charge: LimitCharge;
  slot: SlotCharge & { queueMs: number };
  signal: AbortNotice | undefined;
  now: () => number;
}): Promise<SlotWait> {
  const { queue, counters, charge, signal, now } = options;
  const startedAt = now();
  let slot: SlotCharge = options.slot;
  /** The queue time the current wait ends at, counted from `startedAt`. */
  let deadlineMs = options.slot.queueMs;
  let waiter = queue.join(slot.counter, { waitMs: options.slot.queueMs, signal });
  if (waiter === undefined) return { ending: 'full', outcome: undefined, slot, waitedMs: 0 };
  let outcome: ChargeOutcome | undefined;
  try {
    for (;;) {
      const turn = await waiter.nextTurn();
      if (turn === 'aborted') return { ending: 'aborted', outcome, slot, waitedMs: now() - startedAt };
      // A timeout waited the whole queue time: Node's timer, on the event loop's coarser clock, may fire a
      // fraction of a millisecond before `now` says the time is up.
      if (turn !== 'turn') return { ending: 'timeout', outcome, slot, waitedMs: Math.max(now() - startedAt, deadlineMs) };
      outcome = await counters.charge(charge);
      if (outcome.admitted) return { ending: 'admitted', outcome, slot, waitedMs: now() - startedAt };
      const refused = outcome.refused;
      // Still full: wait for the next turn, in the same place.
      if ('slot' in refused && refused.slot.counter === slot.counter) continue;
      waiter.leave();
      if (!('slot' in refused) || refused.slot.queueMs === undefined) return { ending: 'refused', outcome, slot, waitedMs: now() - startedAt };
      slot = refused.slot;
      deadlineMs = refused.slot.queueMs;
      const remainingMs = refused.slot.queueMs - (now() - startedAt);
      if (remainingMs <= 0) return { ending: 'timeout', outcome, slot, waitedMs: now() - startedAt };
      waiter = queue.join(slot.counter, { waitMs: remainingMs, signal });
      if (waiter === undefined) return { ending: 'full', outcome, slot, waitedMs: now() - startedAt };
    }
  } finally {
    waiter?.leave();
  }
}
