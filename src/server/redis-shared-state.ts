import { Redis } from 'ioredis';
import type { SluiceConfig } from '../config/config-schema.js';
import type { BudgetCharge } from '../policy/budget-ledger.js';
import type { MemoryBudgetLedger } from '../policy/memory-budget-ledger.js';
import type { MemoryLimitCounters } from '../policy/memory-limit-counters.js';
import { SlotQueue } from '../policy/slot-queue.js';
import { RedisBudgetLedger } from '../store/redis/redis-budget-ledger.js';
import { RedisLimitCounters, sharedSlotRecheck } from '../store/redis/redis-limit-counters.js';
import { RedisResponseCache } from '../store/redis/redis-response-cache.js';
import { RedisCooldowns } from '../store/redis/redis-cooldowns.js';
import { RedisCommandBatches } from '../store/redis/redis-command-batches.js';
import { ResilientCooldowns } from '../store/redis/resilient-cooldowns.js';
import type { MemoryCooldowns } from '../routing/memory-cooldowns.js';
import { ResilientBudgetLedger, ResilientLimitCounters, ResilientResponseCache } from '../store/redis/resilient-state.js';
import type { Logger } from '../domain/logger.js';

/**
 * Counters, budgets, cache and cooldowns in Redis, each behind its in-process fallback for while Redis is
 * unreachable: the `SharedState` of `createSharedState`, which imports this module only when `redis.url` is
 * set (its type is checked there: importing it here would make the two modules a circle).
 */
export function createRedisSharedState(options: {
  url: string;
  config: SluiceConfig;
  logger: Logger;
  /** What the period's stored rows cost, for a budget account Redis does not know yet. */
  loadBaseline(charge: BudgetCharge): Promise<number>;
  clock: (() => number) | undefined;
  /** The in-process state the fallbacks use. */
  local: { counters: MemoryLimitCounters; ledger: MemoryBudgetLedger; cooldowns: MemoryCooldowns };
}) {
  const { url, config, logger, loadBaseline, clock } = options;
  const { counters: localCounters, ledger: localLedger, cooldowns: localCooldowns } = options.local;
  const redis = new Redis(url, {
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
