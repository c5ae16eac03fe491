/**
 * The counters behind rate limits and concurrency caps, kept in process or in Redis. Narrow on purpose:
 * everything else about limits (which subjects, which defaults, which headers) is the gateway's own logic.
 */
export interface WindowCharge {
  /** e.g. `requests:key:key_01H…` */
  counter: string;
  limit: number;
  amount: number;
}

export interface WindowState {
  counter: string;
  limit: number;
  /** After this charge (or, when refused, as it stands). */
  used: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
}

export type ChargeOutcome = { admitted: true; states: WindowState[] } | { admitted: false; refused: WindowState; states: WindowState[] };

export interface LimitCounters {
  /** Fixed windows of `windowMs`: adds every charge if, and only if, each stays within its limit. Atomic. */
  charge(charges: WindowCharge[], windowMs: number): Promise<ChargeOutcome>;
  /** Corrects a counter in the window that started at `windowStart` (estimated tokens settled to real ones). */
  adjust(counter: string, windowStart: number, windowMs: number, delta: number): Promise<void>;
  /** Takes one of `limit` slots, or answers false. */
  acquireSlot(counter: string, limit: number): Promise<boolean>;
  releaseSlot(counter: string): Promise<void>;
}
