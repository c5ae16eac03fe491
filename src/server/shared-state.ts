import type { SluiceConfig } from '../config/config-schema.js';
import { MemoryResponseCache } from '../cache/memory-response-cache.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { BudgetCharge, BudgetLedger } from '../policy/budget-ledger.js';
import type { LimitCounters } from '../policy/limit-counters.js';
import { MemoryBudgetLedger } from '../policy/memory-budget-ledger.js';
import { MemoryLimitCounters } from '../policy/memory-limit-counters.js';
import { SlotQueue } from '../policy/slot-queue.js';
import type { Cooldowns } from '../routing/cooldowns.js';
import { MemoryCooldowns } from '../routing/memory-cooldowns.js';
import type { UsageStore } from '../store/store.js';
import type { Logger } from '../domain/logger.js';

export interface SharedState {
  limitCounters: LimitCounters;
  /** Requests of this instance waiting for a concurrency slot (`queueMs`). */
  slotQueue: SlotQueue;
  budgetLedger: BudgetLedger;
  responseCache: ResponseCache;
  /** Model-group targets skipped after failures (see routing/cooldowns.ts). */
  cooldowns: Cooldowns;
  /** Starts what cooldowns need once the config has model groups (Redis: the mirror of cooled targets); idempotent. */
  enableCooldowns(): void;
  close(): Promise<void>;
}

/**
 * Counters, budgets and cache: in process by default, in Redis when `redis.url` (or REDIS_URL) is set,
 * with the documented fallbacks while Redis is unreachable.
 */
export async function createSharedState(
  config: SluiceConfig,
  store: UsageStore,
  logger: Logger,
  /** A test's clock; production passes none (in-process state then runs on Date.now, Redis on its own). */
  clock?: () => number,
  /** `pricing.preferBilled` as the current config says (a reload may turn it): how stored spend is counted. */
  preferBilled: () => boolean = () => config.pricing.preferBilled,
): Promise<SharedState> {
  // What the period's stored rows cost, counted as settlements count it (a key's share of a group: the key's rows in the group).
  const loadBaseline = async (charge: BudgetCharge) => {
    const totals = await store.usageTotals({ scope: charge.scope === 'key_group' ? 'key' : charge.scope, subject: charge.subject, group: charge.group, since: charge.periodStart });
    return preferBilled() ? totals.costPreferringBilledUsd : totals.costUsd;
  };
  // The clock drives the in-process windows and expiries. Redis keeps its own clock (TIME, PX) unless a test
  // gives one: then the rate windows follow it too, so a test need not wait for a fresh minute.
  const now = clock ?? Date.now;
  const localCounters = new MemoryLimitCounters(now);
  const localLedger = new MemoryBudgetLedger(loadBaseline);
  const localCache = new MemoryResponseCache(config.cache.maxEntries, now);
  const localCooldowns = new MemoryCooldowns(now);
  if (!config.redis.url) {
    return {
      limitCounters: localCounters,
      // Every slot is given back in this process, so a queue hears each one: nothing to poll.
      slotQueue: new SlotQueue(),
      budgetLedger: localLedger,
      responseCache: localCache,
      cooldowns: localCooldowns,
      enableCooldowns: () => undefined,
      close: async () => undefined,
    };
  }
  // Loaded only for Redis: ioredis and the Redis state's modules weigh ~2 MB of the request thread's heap.
  const { createRedisSharedState } = await import('./redis-shared-state.js');
  return createRedisSharedState({ url: config.redis.url, config, logger, loadBaseline, clock, local: { counters: localCounters, ledger: localLedger, cooldowns: localCooldowns } });
}
