import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { admit } from '../../src/policy/admission.js';
import { type LimitSubject } from '../../src/domain/limit-subject.js';
import { RedisBudgetLedger } from '../../src/store/redis/redis-budget-ledger.js';
import { RedisCommandBatches } from '../../src/store/redis/redis-command-batches.js';
import { RedisLimitCounters } from '../../src/store/redis/redis-limit-counters.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * What a request costs in Redis, read off `INFO commandstats` deltas (no MONITOR) on a redis-server of this
 * test's own (the counts are server-wide). commandstats also counts what a script runs inside Redis; what
 * the gateway sends is the script calls (`evalsha`), and on the request path it sends nothing else.
 */
const started = await startPrivateRedis();
const skip = 'skipReason' in started ? started.skipReason : undefined;
if (skip) console.warn(`[redis-round-trips] skipped: ${skip}`);

/** The commands the admission and settlement scripts run inside Redis: never sent by the gateway itself. */
const runInsideScripts = new Set(['time', 'get', 'incrby', 'pexpire', 'exists', 'set', 'zremrangebyscore', 'zcard', 'zadd', 'zrem']);

describe.skipIf(skip !== undefined)('Redis commands per request', () => {
  const server = started as PrivateRedis;
  afterAll(() => server.close());

  /** Runs `work` and answers the commands Redis executed meanwhile, by name, leaving out our own INFO. */
  const commandsDuring = async (work: () => Promise<unknown>): Promise<Map<string, number>> => {
    const before = await server.commandCounts();
    await work();
    const after = await server.commandCounts();
    const deltas = new Map<string, number>();
    for (const [name, calls] of after) {
      const delta = calls - (before.get(name) ?? 0);
      // Our own INFO calls are not the gateway's.
      if (delta > 0 && name !== 'info') deltas.set(name, delta);
    }
    return deltas;
  };

  describe('admission and settlement with every limit on', () => {
    const batches = new RedisCommandBatches(server.redis);
    const counters = new RedisLimitCounters(server.redis, 'limits:', { batches });
    const ledger = new RedisBudgetLedger({ redis: server.redis, prefix: 'budget:', loadBaseline: async () => 0, batches });
    const limits = { requestsPerMinute: 1000, tokensPerMinute: 1_000_000, concurrentRequests: 100, budget: { hardUsd: 100, period: 'month' as const } };
    const subjects: LimitSubject[] = [
      { scope: 'key', id: 'k', limits },
      { scope: 'user', id: 'u', limits },
      { scope: 'team', id: 't', limits },
      // A model group's own limits and budget, and the key's share of the group: counted in the same script calls.
      { scope: 'group', id: 'g', limits },
      { scope: 'key_group', id: 'k', group: 'g', limits: { budget: { hardUsd: 50, period: 'month' } } },
    ];
    const options = { subjects, counters, ledger, estimateTokens: () => 100, maximumCostUsd: () => 0.01 };
    beforeAll(async () => {
      // The first use of a budget account loads what the store says was spent (a SET NX); once per period.
      await (await admit(options)).finish({ tokens: 100, costUsd: 0.001 });
    });
    afterAll(() => batches.close());

    it('admits with one script call (limits and budgets together) and settles with one', async () => {
      let admission: Awaited<ReturnType<typeof admit>> | undefined;
      const admitting = await commandsDuring(async () => (admission = await admit(options)));
      expect(admitting.get('evalsha')).toBe(1);
      expect([...admitting.keys()].filter((name) => name !== 'evalsha' && !runInsideScripts.has(name))).toEqual([]);
      const settling = await commandsDuring(() => admission!.finish({ tokens: 80, costUsd: 0.002 }));
      expect(settling.get('evalsha')).toBe(1);
      expect([...settling.keys()].filter((name) => name !== 'evalsha' && !runInsideScripts.has(name))).toEqual([]);
    });

    it('runs one command inside Redis per window, three per slot and two per budget account once counters exist', async () => {
      const admission = await admit(options);
      const admitting = await commandsDuring(async () => {
        await (await admit(options)).finish({ tokens: 100, costUsd: 0.001 });
      });
      await admission.finish({ tokens: 100, costUsd: 0.001 });
      // Five subjects: rpm and tpm windows for four (the key's share of the group has a budget only), a slot
      // each for four, a budget account each for five. Admitting: one INCRBY per window (its lifetime was set
      // when it was created), ZCARD, ZADD and PEXPIRE per slot, GET and INCRBY per account, one TIME: 31
      // commands, where charging after checking took 56. Settling: EXISTS and INCRBY per account (the token
      // estimate was right: no window correction), ZREM per slot.
      expect(Object.fromEntries(admitting)).toEqual({ evalsha: 2, time: 1, incrby: 8 + 5 + 5, get: 5, zcard: 4, zadd: 4, pexpire: 4, exists: 5, zrem: 4 });
    });

    it('gives a window counter two windows to live from its first charge', async () => {
      const admission = await admit(options);
      await admission.finish({ tokens: 100, costUsd: 0.001 });
      const [key] = await server.redis.keys('limits:requests:key:k:*');
      const ttl = await server.redis.pttl(key!);
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    });

    it('admits twenty requests arriving together with one script call, and settles them with one', async () => {
      let admissions: Array<Awaited<ReturnType<typeof admit>>> = [];
      const admitting = await commandsDuring(async () => (admissions = await Promise.all(Array.from({ length: 20 }, () => admit(options)))));
      expect(admitting.get('evalsha')).toBe(1);
      const settling = await commandsDuring(() => Promise.all(admissions.map((admission) => admission.finish({ tokens: 90, costUsd: 0.001 }))));
      expect(settling.get('evalsha')).toBe(1);
      // Every slot came back: a hundred more fit at once.
      const again = await Promise.all(Array.from({ length: 100 }, () => admit(options)));
      await Promise.all(again.map((admission) => admission.finish({ tokens: 90, costUsd: 0 })));
    });
  });

  describe('through a gateway', () => {
    let harness: TestGateway;
    let limitedToken: string;
    let unlimitedToken: string;
    beforeAll(async () => {
      // Keys have no default limit here: the unlimited key is really unlimited.
      harness = await startTestGateway({ redis: { url: server.url }, limits: { defaults: { key: { requestsPerMinute: 0 } } } });
      limitedToken = await harness.issueKey({
        name: 'limited',
        limits: { requestsPerMinute: 100_000, tokensPerMinute: 100_000_000, concurrentRequests: 1_000, budget: { period: 'month', hardUsd: 1_000 } },
      });
      unlimitedToken = await harness.issueKey({ name: 'unlimited' });
    });
    afterAll(() => harness?.close());

    const chat = async (token: string) => {
      const response = await fetch(`${harness.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] }),
      });
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    };
    /** Calls, `atOnce` in flight, then waits until their settlements (a few ms after each answer) are applied. */
    const run = async (token: string, calls: number, atOnce: number) => {
      let sent = 0;
      await Promise.all(
        Array.from({ length: atOnce }, async () => {
          while (sent < calls) {
            sent++;
            await chat(token);
          }
        }),
      );
      await quiet();
    };
    /** Until Redis has seen nothing new for one poll: the settlements sent a few ms after each answer are in. */
    const quiet = async () => {
      let previous = -1;
      await vi.waitFor(
        async () => {
          const counts = await server.commandCounts();
          const total = [...counts].reduce((sum, [name, calls]) => (name === 'info' ? sum : sum + calls), 0);
          const seen = previous;
          previous = total;
          expect(total).toBe(seen);
        },
        { timeout: 5_000, interval: 50 },
      );
    };

    it('sends at most two commands per request with rpm, tpm, concurrency and a budget: one to admit, a share of one to settle', async () => {
      await run(limitedToken, 3, 1);
      const calls = 40;
      const oneAtATime = await commandsDuring(() => run(limitedToken, calls, 1));
      const perRequest = (oneAtATime.get('evalsha') ?? 0) / calls;
      expect(perRequest).toBeGreaterThanOrEqual(1);
      expect(perRequest).toBeLessThanOrEqual(2);
      expect([...oneAtATime.keys()].filter((name) => name !== 'evalsha' && !runInsideScripts.has(name))).toEqual([]);
      const together = await commandsDuring(() => run(limitedToken, calls, 16));
      expect((together.get('evalsha') ?? 0) / calls).toBeLessThanOrEqual(2);
    });

    it('sends nothing for a key without limits', async () => {
      await run(unlimitedToken, 3, 1);
      const commands = await commandsDuring(() => run(unlimitedToken, 40, 4));
      expect([...commands]).toEqual([]);
    });
  });
});
