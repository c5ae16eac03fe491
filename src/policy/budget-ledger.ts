/**
 * Spend against budgets, kept in process or in Redis. A request reserves its largest possible cost before
 * the call and settles to the real cost after, so concurrent requests can overspend a hard cap by at most
 * one request's maximum cost. Every reservation is settled or released exactly once.
 */
export interface BudgetCharge {
  /** e.g. `key:key_01H…:2026-11`, `group:big-coder:2026-11` — one account per subject and budget period. */
  account: string;
  /**
   * Whose budget, and since when, to load what was already spent when the account is first used: a key,
   * user, team or model group, or (`key_group`) a key's share of a group.
   */
  scope: 'key' | 'user' | 'team' | 'group' | 'key_group';
  subject: string;
  /** `key_group`: the group whose calls by the key count. */
  group?: string | undefined;
  periodStart: number;
  /** When the period ends, so a shared account can expire after it. */
  periodEnd: number;
  /** Hard cap in USD; undefined when only a soft cap is set. */
  hardUsd: number | undefined;
  softUsd: number | undefined;
}

export type ReserveOutcome =
  | { admitted: true; reservationId: string; softCapReached: string[] }
  | { admitted: false; refusedAccount: string; spentUsd: number };

export interface BudgetLedger {
  /** Reserves `amountUsd` on every account if none would pass its hard cap. Atomic. */
  reserve(charges: BudgetCharge[], amountUsd: number): Promise<ReserveOutcome>;
  /** Replaces the reservation by the real cost. */
  settle(reservationId: string, actualUsd: number): Promise<void>;
  /** Drops the reservation (the call cost nothing). */
  release(reservationId: string): Promise<void>;
  /** Spent plus reserved, per account, as far as this ledger has seen it (0 before first use). */
  spent(account: string): Promise<number>;
}
