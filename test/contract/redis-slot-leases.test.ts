import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { LimitCharge } from '../../src/policy/limit-counters.js';
import { RedisBudgetLedger } from '../../src/store/redis/redis-budget-ledger.js';
import { RedisCommandBatches } from '../../src/store/redis/redis-command-batches.js';
import { RedisLimitCounters } from '../../src/store/redis/redis-limit-counters.js';
import { connectTestRedis } from '../helpers/redis-backend.js';

/**
 * Concurrency slots in Redis are leases: renewed by the instance that holds them while its requests run,
 * dropped once an instance stops renewing (a crash), and given back, with every other waiting settlement,
 * when an instance closes cleanly. Short leases here; waits are polls on Redis's own state and clock.
 */
const connection = await connectTestRedis();
const skip = 'skipReason' in connection ? connection.skipReason : undefined;
if (skip) console.warn(`[redis-slot-leases] skipped: ${skip}`);

describe.skipIf(skip !== undefined)('Redis slot leases and settlement batches', () => {
  const { redis, prefix } = connection as { redis: Redis; prefix: string };
  const connections: Redis[] = [];
  afterAll(async () => {
    for (const each of connections) each.disconnect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  /** An instance of its own: its own connection (which a test may cut) and its own batches. */
  const instance = async (name: string, options: ConstructorParameters<typeof RedisCommandBatches>[1]) => {
    // As the gateway connects: commands fail at once while disconnected rather than wait.
    const own = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    own.on('error', () => undefined);
    connections.push(own);
    await once(own, 'ready');
    const batches = new RedisCommandBatches(own, options);
    return { redis: own, batches, counters: new RedisLimitCounters(own, `${prefix}${name}:`, { batches }) };
  };
  const oneSlot = (counter: string): LimitCharge => ({ windows: [], windowMs: 60_000, slots: [{ counter, limit: 1 }] });
  const redisNow = async () => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };

  it("drops a crashed instance's slot once its lease runs out", async () => {
    const crashing = await instance('crash', { slotLeaseMs: 400 });
    const survivor = await instance('crash', { slotLeaseMs: 400 });
    expect((await crashing.counters.charge(oneSlot('concurrency:key:c'))).admitted).toBe(true);
    expect(await survivor.counters.charge(oneSlot('concurrency:key:c'))).toMatchObject({ admitted: false, refused: { slot: { counter: 'concurrency:key:c' } } });
    // The instance goes away without giving its slot back: nothing renews the lease from now on.
    crashing.redis.disconnect();
    await expect.poll(async () => (await survivor.counters.charge(oneSlot('concurrency:key:c'))).admitted, { timeout: 5_000, interval: 100 }).toBe(true);
    await survivor.batches.close();
  });

  it('keeps the slot of a request that outlives its lease, and frees it when the request ends', async () => {
    const holder = await instance('long', { slotLeaseMs: 300 });
    const other = await instance('long', { slotLeaseMs: 300 });
    expect((await holder.counters.charge(oneSlot('concurrency:key:l'))).admitted).toBe(true);
    const key = `${prefix}long:leases:concurrency:key:l`;
    const [, firstExpiry] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    // Well past the first lease's end, on Redis's clock: the heartbeat has renewed it meanwhile.
    await expect.poll(redisNow, { timeout: 5_000, interval: 50 }).toBeGreaterThan(Number(firstExpiry) + 300);
    expect(await other.counters.charge(oneSlot('concurrency:key:l'))).toMatchObject({ admitted: false });
    await holder.counters.settle({ adjustments: [], slots: ['concurrency:key:l'] });
    expect(await redis.zcard(key)).toBe(0);
    expect((await other.counters.charge(oneSlot('concurrency:key:l'))).admitted).toBe(true);
    await Promise.all([holder.batches.close(), other.batches.close()]);
  });

  it('sends every waiting settlement when it closes', async () => {
    // Settlements would otherwise wait a minute for company.
    const closing = await instance('close', { settlementDelayMs: 60_000 });
    const ledger = new RedisBudgetLedger({ redis: closing.redis, prefix: `${prefix}close:budget:`, loadBaseline: async () => 0, batches: closing.batches });
    const account = { account: 'key:k:2026-11', scope: 'key' as const, subject: 'k', periodStart: 0, periodEnd: Date.now() + 86_400_000, hardUsd: 10, softUsd: undefined };
    const charged = await closing.counters.charge({ windows: [{ counter: 'tokens:key:k', limit: 1_000, amount: 500 }], windowMs: 60_000, slots: [{ counter: 'concurrency:key:k', limit: 5 }] });
    const reserved = await ledger.reserve([account], 1);
    if (!reserved.admitted) throw new Error('expected a reservation');
    const windowStart = charged.states[0]!.resetAt - 60_000;
    const settled = Promise.all([
      closing.counters.settle({ adjustments: [{ counter: 'tokens:key:k', windowStart, delta: -400 }], slots: ['concurrency:key:k'] }),
      ledger.settle(reserved.reservationId, 0.25),
    ]);
    // Still waiting for company: nothing applied yet.
    expect(await redis.get(`${prefix}close:tokens:key:k:${windowStart}`)).toBe('500');
    await closing.batches.close();
    await settled;
    expect(await redis.get(`${prefix}close:tokens:key:k:${windowStart}`)).toBe('100');
    expect(await redis.zcard(`${prefix}close:leases:concurrency:key:k`)).toBe(0);
    expect(await ledger.spent(account.account)).toBeCloseTo(0.25, 9);
  });

  it('gives back, when it closes, the slots of requests still running', async () => {
    const closing = await instance('cut', {});
    expect((await closing.counters.charge(oneSlot('concurrency:key:cut'))).admitted).toBe(true);
    expect(await redis.zcard(`${prefix}cut:leases:concurrency:key:cut`)).toBe(1);
    await closing.batches.close();
    expect(await redis.zcard(`${prefix}cut:leases:concurrency:key:cut`)).toBe(0);
  });
});
