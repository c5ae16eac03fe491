import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { admit } from '../../src/policy/admission.js';
import { type LimitSubject } from '../../src/domain/limit-subject.js';
import { RedisBudgetLedger } from '../../src/store/redis/redis-budget-ledger.js';
import { RedisLimitCounters } from '../../src/store/redis/redis-limit-counters.js';
import { connectTestRedis } from '../helpers/redis-backend.js';

/**
 * What a request costs in Redis with every limit on (requests, tokens and concurrency for key, user, team
 * and model group, and budgets, the key's share of the group included): one script per backend to admit it, sent together, and one per backend to settle it.
 * Read off Redis's own MONITOR feed, filtered to this test's keys.
 */
const connection = await connectTestRedis();
const skip = 'skipReason' in connection ? connection.skipReason : undefined;
if (skip) console.warn(`[redis-round-trips] skipped: ${skip}`);

describe.skipIf(skip !== undefined)('Redis commands per request', () => {
  const { redis, prefix } = connection as { redis: Redis; prefix: string };
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('admits with one command per backend sent in one go, and settles the same way', async () => {
    const counters = new RedisLimitCounters(redis, `${prefix}limits:`);
    const ledger = new RedisBudgetLedger({ redis, prefix: `${prefix}budget:`, loadBaseline: async () => 0 });
    const limits = { requestsPerMinute: 1000, tokensPerMinute: 1_000_000, concurrentRequests: 10, budget: { hardUsd: 100, period: 'month' as const } };
    const subjects: LimitSubject[] = [
      { scope: 'key', id: 'k', limits },
      { scope: 'user', id: 'u', limits },
      { scope: 'team', id: 't', limits },
      // A model group's own limits and budget, and the key's share of the group: counted in the same two scripts.
      { scope: 'group', id: 'g', limits },
      { scope: 'key_group', id: 'k', group: 'g', limits: { budget: { hardUsd: 50, period: 'month' } } },
    ];
    const options = { subjects, counters, ledger, estimateTokens: () => 100, maximumCostUsd: () => 0.01 };
    // The first use of a budget account loads what the store says was spent; that happens once per period.
    await (await admit(options)).finish({ tokens: 100, costUsd: 0.001 });

    const monitor = await redis.monitor();
    const seen: Array<{ command: string; key: string }> = [];
    // MONITOR also shows the commands a script runs inside Redis (source 'lua'): only what the client sent counts.
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const key = args.find((argument) => argument.startsWith(prefix));
      if (source !== 'lua' && key !== undefined) seen.push({ command: String(args[0]).toLowerCase(), key });
    });
    let markers = 0;
    const sendMarker = async () => {
      const marker = `${prefix}marker:${markers++}`;
      await redis.exists(marker);
      return marker;
    };
    /**
     * The commands seen since the last call, and nothing after: a marker sent on the same connection reaches
     * MONITOR after every command sent before it, so once it shows, the list up to it is complete.
     */
    const takeCommandsSoFar = async (): Promise<string[]> => {
      const marker = await sendMarker();
      await vi.waitFor(() => expect(seen.map((entry) => entry.key)).toContain(marker), { timeout: 2_000, interval: 10 });
      const end = seen.findIndex((entry) => entry.key === marker);
      return seen.splice(0, end + 1).slice(0, -1).map((entry) => entry.command);
    };
    try {
      // MONITOR may start a moment after it is acknowledged: wait until it shows a marker, then start clean.
      await vi.waitFor(async () => {
        await sendMarker();
        expect(seen).not.toHaveLength(0);
      }, { timeout: 2_000, interval: 20 });
      await takeCommandsSoFar();
      const admission = await admit(options);
      const admitting = await takeCommandsSoFar();
      await admission.finish({ tokens: 80, costUsd: 0.002 });
      const settling = await takeCommandsSoFar();
      expect(admitting).toEqual(['evalsha', 'evalsha']);
      expect(settling).toEqual(['evalsha', 'evalsha']);
    } finally {
      monitor.disconnect();
    }
  });
});
