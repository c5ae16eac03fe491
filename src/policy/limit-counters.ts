/**
 * The counters behind rate limits and concurrency caps, kept in process or in Redis. Narrow on purpose:
 * everything else about limits (which subjects, which defaults, which headers) is the gateway's own logic.
 * A request costs one `charge` before its call and one `settle` after it: with Redis, the charge is one item
 * of one script call (with the budget reservation), and settlements are batched off the request path.
 */
export interface WindowCharge {
  /** e.g. `requests:key:key_01H…` */
  counter: string;
  limit: number;
  amount: number;
}

/** One of `limit` concurrency slots, e.g. `concurrency:team:research`. */
export interface SlotCharge {
  counter: string;
  limit: number;
  /**
   * How long a request refused this slot may wait for it (`--queue-ms`); undefined: refused at once. The
   * counters ignore it: waiting is `admission.ts`'s, one `charge` per try, so a queued request is charged its
   * windows when it gets the slot, all or nothing as ever.
   */
  queueMs?: number | undefined;
}

export interface LimitCharge {
  /** Fixed windows of `windowMs`. */
  windows: WindowCharge[];
  windowMs: number;
  slots: SlotCharge[];
}

export interface WindowState {
  counter: string;
  limit: number;
  /** After this charge (or, when refused, as it stands). */
  used: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
}

export type ChargeOutcome =
  | { admitted: true; states: WindowState[] }
  | { admitted: false; states: WindowState[]; refused: { window: WindowState } | { slot: SlotCharge } };

export interface LimitSettlement {
  /** Corrections to windows charged earlier: estimated tokens settled to the real count, or a refund. */
  adjustments: Array<{ counter: string; windowStart: number; delta: number }>;
  /** Slots to give back. */
  slots: string[];
  /**
   * A request of this process waits for one of these slots: a backend that batches settlements (Redis) sends
   * this one at once instead of with the next batch. In process, every settlement is immediate anyway.
   */
  sendNow?: boolean;
}

export interface LimitCounters {
  /** Adds every window charge and takes every slot if, and only if, each stays within its limit. Atomic. */
  charge(charge: LimitCharge): Promise<ChargeOutcome>;
  /** Applies the adjustments (to windows still current) and gives the slots back. */
  settle(settlement: LimitSettlement): Promise<void>;
}
