import type { TimeoutSettings } from './timeouts.js';

export type BudgetPeriod = 'day' | 'week' | 'month';

/** The longest a request may wait for a concurrency slot (`queueMs`): ten minutes. */
export const maxQueueMs = 600_000;

/**
 * Limits a key, user or team may carry. A missing field inherits the configured default; 0 means no limit.
 * Budgets are in USD over a calendar period (UTC): past the soft cap requests are served with a warning,
 * past the hard cap refused.
 */
export interface LimitSettings {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  concurrentRequests?: number;
  /**
   * With `concurrentRequests`: how long a request may wait, first come first served, for a slot to free up
   * before it is refused (0 or absent: refused at once).
   */
  queueMs?: number;
  budget?: { period: BudgetPeriod; hardUsd?: number; softUsd?: number };
  /**
   * A ceiling on the upstream clocks of this subject's calls: each is the shorter of the target's and this
   * (and of the other subjects'). Field by field, a missing one inherits the default; 0 means no ceiling.
   */
  timeouts?: TimeoutSettings;
  /**
   * Keys only: the most the key may spend in a model group, in USD per the group budget's period (a month
   * when the group has none), keyed by group name: the key's share of the group (`--group-budget`).
   */
  groupBudgets?: Record<string, number>;
}
