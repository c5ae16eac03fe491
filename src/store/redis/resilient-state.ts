import { GatewayError } from '../../errors/gateway-error.js';
import type { CachedAnswer, ResponseCache } from '../../cache/response-cache.js';
import type { BudgetCharge, BudgetLedger, ReserveOutcome } from '../../policy/budget-ledger.js';
import type { ChargeOutcome, LimitCharge, LimitCounters, LimitSettlement } from '../../policy/limit-counters.js';
import type { Logger } from '../../domain/logger.js';

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

  async charge(charge: LimitCharge): Promise<ChargeOutcome> {
    try {
      return await this.#primary.charge(charge);
    } catch (error) {
      this.#logger.warn({ err: error }, "Redis unavailable: rate limits use this instance's share");
      const outcome = await this.#local.charge({
        windows: charge.windows.map((window) => ({ ...window, limit: this.#share(window.limit) })),
        windowMs: charge.windowMs,
        slots: charge.slots.map((slot) => ({ ...slot, limit: this.#share(slot.limit) })),
      });
      if (outcome.admitted) for (const slot of charge.slots) this.#localSlots.set(slot.counter, (this.#localSlots.get(slot.counter) ?? 0) + 1);
      return outcome;
    }
  }

  async settle(settlement: LimitSettlement): Promise<void> {
    const localSlots: string[] = [];
    const sharedSlots: string[] = [];
    for (const counter of settlement.slots) {
      const local = this.#localSlots.get(counter) ?? 0;
      if (local > 0) {
        if (local === 1) this.#localSlots.delete(counter);
        else this.#localSlots.set(counter, local - 1);
        localSlots.push(counter);
      } else {
        sharedSlots.push(counter);
      }
    }
    if (localSlots.length > 0) await this.#local.settle({ adjustments: [], slots: localSlots });
    try {
      await this.#primary.settle({ adjustments: settlement.adjustments, slots: sharedSlots });
    } catch (error) {
      // Shared slots expire in Redis by themselves; the adjustments land on the local windows instead.
      this.#logger.warn({ err: error }, 'Redis unavailable: a rate-limit settlement stays local');
      await this.#local.settle({ adjustments: settlement.adjustments, slots: [] });
    }
  }

  #share(limit: number): number {
    return Math.max(1, Math.floor(limit / this.#instances));
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
