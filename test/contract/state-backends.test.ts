import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseCache } from '../../src/cache/response-cache.js';
import { MemoryResponseCache } from '../../src/cache/memory-response-cache.js';
import type { BudgetCharge, BudgetLedger } from '../../src/policy/budget-ledger.js';
import type { LimitCounters } from '../../src/policy/limit-counters.js';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';
import { MemoryLimitCounters } from '../../src/policy/memory-limit-counters.js';
import { RedisBudgetLedger } from '../../src/store/redis/redis-budget-ledger.js';
import { RedisLimitCounters } from '../../src/store/redis/redis-limit-counters.js';
import { RedisResponseCache } from '../../src/store/redis/redis-response-cache.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { connectTestRedis } from '../helpers/redis-backend.js';

/**
 * One contract per state interface, run on every backend: in process, and the real Redis on the machine.
 */
interface Backend {
  name: string;
  /** The rate windows follow `clock`: a test's charges never straddle a window boundary unless it moves it. */
  counters: (clock: ManualClock) => LimitCounters;
  ledger: (baseline: number) => BudgetLedger;
  /** `now` is the clock of an in-process cache; Redis expires keys on its own clock. */
  cache: (now: () => number) => ResponseCache;
}

const redisConnection = await connectTestRedis();
const backends: Backend[] = [
  {
    name: 'memory',
    counters: (clock) => new MemoryLimitCounters(clock.now),
    ledger: (baseline) => new MemoryBudgetLedger(async () => baseline),
    cache: (now) => new MemoryResponseCache(100, now),
  },
];
if ('redis' in redisConnection) {
  const { redis, prefix } = redisConnection;
  let instance = 0;
  const fresh = () => `${prefix}${instance++}:`;
  backends.push({
    name: 'redis',
    // Given a clock, the charge script uses it instead of Redis's TIME (production gives none).
    counters: (clock) => new RedisLimitCounters(redis, fresh(), { now: clock.now }),
    ledger: (baseline) => new RedisBudgetLedger({ redis, prefix: fresh(), loadBaseline: async () => baseline }),
    cache: () => new RedisResponseCache(redis, fresh()),
  });
} else {
  console.warn(`[state-backends] skipping the Redis backend: ${redisConnection.skipReason}`);
}

afterAll(async () => {
  if ('redis' in redisConnection) {
    const keys = await redisConnection.redis.keys(`${redisConnection.prefix}*`);
    if (keys.length > 0) await redisConnection.redis.del(...keys);
    redisConnection.redis.disconnect();
  }
});

const charge: BudgetCharge = { account: 'key:k1:2026-11', scope: 'key', subject: 'k1', periodStart: 0, periodEnd: Date.now() + 86_400_000, hardUsd: 1, softUsd: 0.5 };

describe.each(backends)('$name backend', (backend) => {
  describe('limit counters', () => {
    let counters: LimitCounters;
    let clock: ManualClock;
    beforeAll(() => {
      clock = new ManualClock();
      counters = backend.counters(clock);
    });

    const windows = (...charges: Array<[counter: string, limit: number, amount: number]>) => ({
      windows: charges.map(([counter, limit, amount]) => ({ counter, limit, amount })),
      windowMs: 60_000,
      slots: [],
    });

    it('charge all-or-nothing and report use and reset', async () => {
      const both = windows(['requests:key:a', 2, 1], ['tokens:key:a', 100, 60]);
      const first = await counters.charge(both);
      expect(first.admitted).toBe(true);
      expect(first.states.map((state) => state.used)).toEqual([1, 60]);
      expect(first.states[0]!.resetAt).toBeGreaterThan(Date.now() - 1_000);
      const second = await counters.charge(both);
      expect(second).toMatchObject({ admitted: false, refused: { window: { counter: 'tokens:key:a', used: 60 } } });
      const third = await counters.charge(windows(['requests:key:a', 2, 1]));
      expect(third.states[0]!.used).toBe(2);
    });

    it('open a fresh window when the clock passes the reset time, and not before', async () => {
      const first = await counters.charge(windows(['requests:key:turn', 1, 1]));
      expect(first.admitted).toBe(true);
      clock.advance(first.states[0]!.resetAt - clock.now() - 1);
      expect((await counters.charge(windows(['requests:key:turn', 1, 1]))).admitted).toBe(false);
      clock.advance(1);
      const fresh = await counters.charge(windows(['requests:key:turn', 1, 1]));
      expect(fresh).toMatchObject({ admitted: true, states: [{ used: 1, resetAt: first.states[0]!.resetAt + 60_000 }] });
    });

    it('admit exactly the limit under concurrency', async () => {
      const outcomes = await Promise.all(Array.from({ length: 50 }, () => counters.charge(windows(['requests:key:burst', 20, 1]))));
      expect(outcomes.filter((outcome) => outcome.admitted)).toHaveLength(20);
    });

    it('settle a window after the fact', async () => {
      const outcome = await counters.charge(windows(['tokens:key:adjust', 100, 90]));
      const windowStart = outcome.states[0]!.resetAt - 60_000;
      await counters.settle({ adjustments: [{ counter: 'tokens:key:adjust', windowStart, delta: -80 }], slots: [] });
      expect((await counters.charge(windows(['tokens:key:adjust', 100, 50]))).admitted).toBe(true);
    });

    it('hand out and take back concurrency slots', async () => {
      const slot = { windows: [], windowMs: 60_000, slots: [{ counter: 'concurrency:key:c', limit: 3 }] };
      const taken = await Promise.all(Array.from({ length: 10 }, () => counters.charge(slot)));
      expect(taken.filter((outcome) => outcome.admitted)).toHaveLength(3);
      expect(taken.find((outcome) => !outcome.admitted)).toMatchObject({ refused: { slot: { counter: 'concurrency:key:c', limit: 3 } } });
      await counters.settle({ adjustments: [], slots: ['concurrency:key:c'] });
      expect((await counters.charge(slot)).admitted).toBe(true);
      expect((await counters.charge(slot)).admitted).toBe(false);
    });

    it('charge windows and slots together: a full slot leaves every window as it was', async () => {
      const request = { ...windows(['requests:key:mixed', 10, 1]), slots: [{ counter: 'concurrency:key:mixed', limit: 1 }] };
      const first = await counters.charge(request);
      expect(first.admitted).toBe(true);
      const refused = await counters.charge(request);
      expect(refused).toMatchObject({ admitted: false, refused: { slot: { counter: 'concurrency:key:mixed' } } });
      expect(refused.states[0]!.used).toBe(1);
      // One settlement gives the slot back and corrects the window.
      await counters.settle({ adjustments: [{ counter: 'requests:key:mixed', windowStart: first.states[0]!.resetAt - 60_000, delta: -1 }], slots: ['concurrency:key:mixed'] });
      const again = await counters.charge(request);
      expect(again).toMatchObject({ admitted: true, states: [{ used: 1 }] });
    });
  });

  describe('budget ledger', () => {
    it('starts from the stored spend, reserves, settles and releases exactly once', async () => {
      const ledger = backend.ledger(0.25);
      const reserved = await ledger.reserve([charge], 0.5);
      expect(reserved).toMatchObject({ admitted: true, softCapReached: ['key:k1:2026-11'] });
      expect(await ledger.spent(charge.account)).toBeCloseTo(0.75, 9);
      if (!reserved.admitted) throw new Error('expected a reservation');
      await ledger.settle(reserved.reservationId, 0.1);
      await ledger.settle(reserved.reservationId, 0.1);
      expect(await ledger.spent(charge.account)).toBeCloseTo(0.35, 9);
      const again = await ledger.reserve([charge], 0.2);
      if (again.admitted) await ledger.release(again.reservationId);
      expect(await ledger.spent(charge.account)).toBeCloseTo(0.35, 9);
    });

    it('reserves on key, user and team accounts all used for the first time', async () => {
      const ledger = backend.ledger(0.1);
      const accounts = (['key', 'user', 'team'] as const).map((scope) => ({ ...charge, scope, subject: `${scope}-first`, account: `${scope}:${scope}-first:2026-11` }));
      const outcome = await ledger.reserve(accounts, 0.2);
      expect(outcome.admitted).toBe(true);
      for (const account of accounts) expect(await ledger.spent(account.account)).toBeCloseTo(0.3, 9);
    });

    it('never lets concurrent reservations pass the hard cap', async () => {
      const ledger = backend.ledger(0.9);
      const outcomes = await Promise.all(Array.from({ length: 100 }, () => ledger.reserve([charge], 0.01)));
      const admitted = outcomes.filter((outcome) => outcome.admitted);
      expect(admitted).toHaveLength(10);
      expect(outcomes.find((outcome) => !outcome.admitted)).toMatchObject({ admitted: false, refusedAccount: 'key:k1:2026-11' });
      for (const outcome of admitted) if (outcome.admitted) await ledger.release(outcome.reservationId);
      expect(await ledger.spent(charge.account)).toBeCloseTo(0.9, 9);
    });
  });

  describe('response cache', () => {
    it('stores, reads back and expires', async () => {
      const clock = new ManualClock();
      const cache = backend.cache(clock.now);
      const answer = { answer: { kind: 'whole' as const, response: { id: 'x', model: 'm', content: [{ type: 'text' as const, text: 'hi' }], stopReason: 'end' as const, usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } } }, reportedModel: 'm', costUsd: 0.001, storedAt: 1 };
      await cache.set('k', answer, 1_000);
      expect(await cache.get('k')).toEqual(answer);
      expect(await cache.get('missing')).toBeUndefined();
      clock.advance(999);
      expect(await cache.get('k')).toEqual(answer);
      clock.advance(1);
      // In process that is the moment it expires; Redis drops it on its own clock, within the poll's deadline.
      await expect.poll(() => cache.get('k'), { timeout: 3_000, interval: 50 }).toBeUndefined();
    });
  });
});
