import { GatewayError } from '../../errors/gateway-error.js';
import type { CachedAnswer, ResponseCache } from '../../cache/response-cache.js';
import type { BudgetCharge, BudgetLedger, ReserveOutcome } from '../../policy/budget-ledger.js';
import type { ChargeOutcome, LimitCounters, WindowCharge } from '../../policy/limit-counters.js';
import type { Logger } from '../../server/logger.js';

/**
 * What happens when Redis cannot be reached (every call is bounded by the client's command timeout, and
 * fails at once while disconnected): rate limits fall back to this instance's share of each limit, budgets
 * to a local ledger or a refusal (`redis.budgetsWhenUnavailable`), the cache to a miss. Each call tries
 * Redis first, so service recovers by itself when Redis returns.
 */
export class ResilientLimitCounters implements LimitCounters {
  readonly #primary: LimitCounters;
  readonly #local: LimitCounters;
  readonly #instances: number;
  readonly #logger: Logger;
  /** Slots taken locally while Redis was away must be given back locally. */
  readonly #localSlots = new Map<string, number>();

  constructor(options: { primary: LimitCounters; local: LimitCounters; instances: number; logger: Logger }) {
    this.#primary = options.primary;
    this.#local = options.local;
    this.#instances = Math.max(1, options.instances);
    this.#logger = options.logger;
  }

  async charge(charges: WindowCharge[], windowMs: number): Promise<ChargeOutcome> {
    try {
      return await this.#primary.charge(charges, windowMs);
    } catch (error) {
      this.#warn(error);
      return this.#local.charge(charges.map((charge) => ({ ...charge, limit: this.#share(charge.limit) })), windowMs);
    }
  }

  async adjust(counter: string, windowStart: number, windowMs: number, delta: number): Promise<void> {
    try {
      await this.#primary.adjust(counter, windowStart, windowMs, delta);
    } catch {
      await this.#local.adjust(counter, windowStart, windowMs, delta);
    }
  }

  async acquireSlot(counter: string, limit: number): Promise<boolean> {
    try {
      return await this.#primary.acquireSlot(counter, limit);
    } catch (error) {
      this.#warn(error);
      const taken = await this.#local.acquireSlot(counter, this.#share(limit));
      if (taken) this.#localSlots.set(counter, (this.#localSlots.get(counter) ?? 0) + 1);
      return taken;
    }
  }

  async releaseSlot(counter: string): Promise<void> {
    const local = this.#localSlots.get(counter) ?? 0;
    if (local > 0) {
      this.#localSlots.set(counter, local - 1);
      await this.#local.releaseSlot(counter);
      return;
    }
    try {
      await this.#primary.releaseSlot(counter);
    } catch (error) {
      // The slot expires in Redis by itself; nothing else to do.
      this.#warn(error);
    }
  }

  #share(limit: number): number {
    return Math.max(1, Math.floor(limit / this.#instances));
  }

  #warn(error: unknown): void {
    this.#logger.warn({ err: error }, 'Redis unavailable: rate limits use this instance\'s share');
  }
}

export class ResilientBudgetLedger implements BudgetLedger {
  readonly #primary: BudgetLedger;
  readonly #local: BudgetLedger;
  readonly #failClosed: boolean;
  readonly #logger: Logger;
  readonly #localReservations = new Set<string>();

  constructor(options: { primary: BudgetLedger; local: BudgetLedger; failClosed: boolean; logger: Logger }) {
    this.#primary = options.primary;
    this.#local = options.local;
    this.#failClosed = options.failClosed;
    this.#logger = options.logger;
  }

  async reserve(charges: BudgetCharge[], amountUsd: number): Promise<ReserveOutcome> {
    try {
      return await this.#primary.reserve(charges, amountUsd);
    } catch (error) {
      this.#logger.warn({ err: error }, 'Redis unavailable for budgets');
      if (this.#failClosed) {
        throw new GatewayError('budget_unavailable', 'Budgets cannot be checked right now; try again shortly.', { headers: { 'retry-after': '5' } });
      }
      const outcome = await this.#local.reserve(charges, amountUsd);
      if (outcome.admitted) this.#localReservations.add(outcome.reservationId);
      return outcome;
    }
  }

  async settle(reservationId: string, actualUsd: number): Promise<void> {
    if (this.#localReservations.delete(reservationId)) return this.#local.settle(reservationId, actualUsd);
    try {
      await this.#primary.settle(reservationId, actualUsd);
    } catch (error) {
      // The reservation expires in Redis by itself.
      this.#logger.warn({ err: error }, 'Redis unavailable: a budget reservation will expire instead of settling');
    }
  }

  async release(reservationId: string): Promise<void> {
    await this.settle(reservationId, 0);
  }

  async spent(account: string): Promise<number> {
    try {
      return await this.#primary.spent(account);
    } catch {
      return this.#local.spent(account);
    }
  }
}

export class ResilientResponseCache implements ResponseCache {
  readonly #primary: ResponseCache;

  constructor(primary: ResponseCache) {
    this.#primary = primary;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    try {
      return await this.#primary.get(key);
    } catch {
      return undefined;
    }
  }

  async set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void> {
    try {
      await this.#primary.set(key, answer, ttlMs);
    } catch {
      // A cache that cannot store simply misses next time.
    }
  }
}
