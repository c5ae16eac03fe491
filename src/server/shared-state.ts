import { Redis } from 'ioredis';
import type { SluiceConfig } from '../config/config-schema.js';
import { MemoryResponseCache } from '../cache/memory-response-cache.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { BudgetCharge, BudgetLedger } from '../policy/budget-ledger.js';
import type { LimitCounters } from '../policy/limit-counters.js';
import { MemoryBudgetLedger } from '../policy/memory-budget-ledger.js';
import { MemoryLimitCounters } from '../policy/memory-limit-counters.js';
import { SlotQueue } from '../policy/slot-queue.js';
import { RedisBudgetLedger } from '../store/redis/redis-budget-ledger.js';
import { RedisLimitCounters, sharedSlotRecheck } from '../store/redis/redis-limit-counters.js';
import { RedisResponseCache } from '../store/redis/redis-response-cache.js';
import { RedisCooldowns } from '../store/redis/redis-cooldowns.js';
import { RedisCommandBatches } from '../store/redis/redis-command-batches.js';
import { ResilientCooldowns } from '../store/redis/resilient-cooldowns.js';
import type { Cooldowns } from '../routing/cooldowns.js';
import { MemoryCooldowns } from '../routing/memory-cooldowns.js';
import { ResilientBudgetLedger, ResilientLimitCounters, ResilientResponseCache } from '../store/redis/resilient-state.js';
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
export function createSharedState(
  config: SluiceConfig,
  store: UsageStore,
  logger: Logger,
  /** A test's clock; production passes none (in-process state then runs on Date.now, Redis on its own). */
  clock?: () => number,
  /** `pricing.preferBilled` as the current config says (a reload may turn it): how stored spend is counted. */
  preferBilled: () => boolean = () => config.pricing.preferBilled,
): SharedState {
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
  const redis = new Redis(config.redis.url, {
    commandTimeout: config.redis.timeoutMs,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    // Fail at once while disconnected instead of queueing: the fallbacks take over, and ioredis keeps
    // reconnecting in the background, so service recovers without a restart.
    enableOfflineQueue: false,
    // No auto-pipelining: RedisCommandBatches already sends one admission script per turn of the event loop
    // and settlements in batches, so ioredis's own per-tick pipeline had nothing left to merge and cost a
    // Pipeline and its promises per command (~5% of the request thread's time in Redis mode).
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'redis connection error'));
  // One admission script call per turn of the event loop for every charge and reservation, and settlements
  // batched off the request path: the counters and the ledger share them.
  const batches = new RedisCommandBatches(redis);
  const sharedCooldowns = new RedisCooldowns(redis, { onRefreshError: (error) => logger.debug({ err: error }, 'reading cooldowns from Redis failed') });
  // Only model groups cool targets down: without any, there is nothing to mirror and no command to send.
  if (Object.keys(config.groups).length > 0) sharedCooldowns.start();
  return {
    limitCounters: new ResilientLimitCounters({ primary: new RedisLimitCounters(redis, undefined, { now: clock, batches }), local: localCounters, instances: config.redis.instances, logger }),
    slotQueue: new SlotQueue({ recheck: sharedSlotRecheck }),
    budgetLedger: new ResilientBudgetLedger({
      primary: new RedisBudgetLedger({ redis, loadBaseline, batches }),
      local: localLedger,
      failClosed: config.redis.budgetsWhenUnavailable === 'fail-closed',
      logger,
    }),
    responseCache: new ResilientResponseCache(new RedisResponseCache(redis)),
    cooldowns: new ResilientCooldowns({ primary: sharedCooldowns, local: localCooldowns, logger }),
    enableCooldowns: () => sharedCooldowns.start(),
    close: async () => {
      // Every settlement still waiting is sent before the connection closes.
      await batches.close();
      await sharedCooldowns.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
