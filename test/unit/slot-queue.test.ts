import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { admit, limitSubjects, type Admission } from '../../src/policy/admission.js';
import { type LimitSubject } from '../../src/domain/limit-subject.js';
import { effectiveLimits } from '../../src/policy/effective-limits.js';
import type { LimitCharge, LimitCounters } from '../../src/policy/limit-counters.js';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';
import { MemoryLimitCounters } from '../../src/policy/memory-limit-counters.js';
import { SlotQueue } from '../../src/policy/slot-queue.js';
import { ClientAbort } from '../../src/server/proxy/client-abort.js';
import { ManualClock } from '../helpers/manual-clock.js';

/**
 * Traffic shaping (issue 9, section 7): under a concurrency cap with `queueMs`, a request waits for a slot,
 * first come first served and bounded, instead of an immediate 429. In process, on the memory counters;
 * test/contract/slot-queue-backends.test.ts runs the same waits on Redis.
 */

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Lets every pending promise continuation run (no timer, no waiting for time to pass). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise's fate, readable without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

const oneAtATime = (queueMs: number, extra: LimitSubject['limits'] = {}): LimitSubject[] => [
  { scope: 'key', id: 'k1', limits: { concurrentRequests: 1, queueMs, ...extra } },
];

function setup(options: { maxWaiters?: number } = {}) {
  const clock = new ManualClock();
  const counters = new MemoryLimitCounters(clock.now);
  const queue = new SlotQueue({ maxWaiters: options.maxWaiters });
  return { clock, counters, queue };
}

describe('effective limits', () => {
  it('carry a queue time only under a concurrency cap; 0 turns it off', () => {
    expect(effectiveLimits({ queueMs: 500 }, { concurrentRequests: 2 })).toEqual({ concurrentRequests: 2, queueMs: 500 });
    expect(effectiveLimits({ concurrentRequests: 2 }, { queueMs: 800 })).toEqual({ concurrentRequests: 2, queueMs: 800 });
    expect(effectiveLimits({ queueMs: 500 }, {})).toEqual({});
    expect(effectiveLimits({ concurrentRequests: 2, queueMs: 0 }, { queueMs: 800 })).toEqual({ concurrentRequests: 2 });
  });
});

describe('configuration', () => {
  it('limits.defaults.*.queueMs applies to subjects that set none, up to ten minutes', () => {
    const config = parseConfig({ limits: { defaults: { key: { concurrentRequests: 2, queueMs: 1_500 }, team: { concurrentRequests: 4, queueMs: 500 } } } }, {});
    const key = { id: 'k', teamName: 't', userName: null, limits: { queueMs: 3_000 } } as unknown as Parameters<typeof limitSubjects>[0];
    const principals = { find: () => undefined } as unknown as Parameters<typeof limitSubjects>[1];
    expect(limitSubjects(key, principals, config.limits.defaults).map((subject) => subject.limits)).toEqual([
      { concurrentRequests: 2, queueMs: 3_000 },
      { concurrentRequests: 4, queueMs: 500 },
    ]);
    expect(() => parseConfig({ limits: { defaults: { key: { concurrentRequests: 2, queueMs: 600_001 } } } }, {})).toThrow(/queueMs/);
  });
});

describe('waiting for a concurrency slot', () => {
  it('serves waiters first come, first served, and a newcomer queues behind them', async () => {
    const { clock, counters, queue } = setup();
    const subjects = oneAtATime(60_000);
    const request = () => admit({ subjects, counters, queue, estimateTokens: () => 0, now: clock.now });
    const holder = await request();
    const waiters = ['b', 'c', 'd'].map((name) => ({ name, state: track(request()) }));
    await flush();
    expect(queue.waiting('concurrency:key:k1')).toBe(3);
    expect(waiters.some((waiter) => waiter.state.settled)).toBe(false);

    const order: string[] = [];
    let current: Admission = holder;
    for (let turn = 0; turn < 3; turn++) {
      // Arrives just as the slot is given back (already free, the queue not yet told): it must not
      // overtake those already waiting.
      const finishing = current.finish({ tokens: 0, costUsd: 0 });
      const newcomer = track(request());
      await finishing;
      await flush();
      const admitted = waiters.filter((waiter) => waiter.state.settled && !order.includes(waiter.name));
      expect(admitted.map((waiter) => waiter.name)).toHaveLength(1);
      expect(newcomer.settled).toBe(false);
      order.push(admitted[0]!.name);
      current = admitted[0]!.state.value!;
      waiters.push({ name: `late-${turn}`, state: newcomer });
    }
    expect(order).toEqual(['b', 'c', 'd']);
    await current.finish({ tokens: 0, costUsd: 0 });
    await flush();
    // Then the newcomers, in their own order.
    expect(waiters.filter((waiter) => waiter.state.settled).map((waiter) => waiter.name)).toEqual(['b', 'c', 'd', 'late-0']);
  });

  it('times out with a 429 concurrency_limited, a retry hint, the wait recorded, and nothing charged', async () => {
    // Five seconds into a minute: the wait never crosses into the next rate window.
    vi.useFakeTimers({ now: new Date('2026-03-02T10:00:05Z') });
    const counters = new MemoryLimitCounters();
    const queue = new SlotQueue();
    const ledger = new MemoryBudgetLedger(async () => 0);
    const subjects = oneAtATime(2_000, { requestsPerMinute: 10, budget: { period: 'day', hardUsd: 1 } });
    const options = { subjects, counters, queue, ledger, estimateTokens: () => 0, maximumCostUsd: () => 0.25 };
    await admit(options);
    const record = { queueWaitMs: null as number | null };
    const waiting = track(admit({ ...options, waitRecord: record }));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(waiting.settled).toBe(false);
    // The waiting request holds its budget reservation, and has not been charged its request window.
    expect(await ledger.spent('key:k1:2026-03-02')).toBeCloseTo(0.5, 9);
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting.error).toBeInstanceOf(GatewayError);
    expect(waiting.error).toMatchObject({
      code: 'concurrency_limited',
      status: 429,
      reason: 'concurrency_limited.key',
      headers: { 'retry-after': '1' },
      message: 'Too many requests in flight for this key: at most 1 at once; no slot came free within 2000 ms.',
    });
    expect(record.queueWaitMs).toBe(2_000);
    expect(queue.waiting('concurrency:key:k1')).toBe(0);
    expect(await ledger.spent('key:k1:2026-03-02')).toBeCloseTo(0.25, 9);
    // One request window used, by the request that got the slot.
    const next = await admit({ ...options, subjects: [{ scope: 'key', id: 'k1', limits: { requestsPerMinute: 10 } }], ledger: undefined });
    expect(next.headers['x-ratelimit-remaining-requests']).toBe('8');
  });

  it('a timeout records the whole queue time even when the clock it reads lags the timer', async () => {
    // Node's timers run on the event loop's millisecond clock, which may fire a fraction of a millisecond
    // before a high-resolution clock says the time is up (seen in CI as a 199 ms wait for a 200 ms queue).
    vi.useFakeTimers({ now: new Date('2026-03-02T10:00:05Z') });
    const counters = new MemoryLimitCounters();
    const queue = new SlotQueue();
    let lagMs = 0;
    const options = { subjects: oneAtATime(200), counters, queue, estimateTokens: () => 0, now: () => Date.now() - lagMs };
    await admit(options);
    const record = { queueWaitMs: null as number | null };
    const waiting = track(admit({ ...options, waitRecord: record }));
    await vi.advanceTimersByTimeAsync(100);
    expect(waiting.settled).toBe(false);
    lagMs = 0.6;
    await vi.advanceTimersByTimeAsync(100);
    expect(waiting.error).toMatchObject({ code: 'concurrency_limited', status: 429 });
    expect(record.queueWaitMs).toBe(200);
  });

  it('a caller that goes away leaves the queue at once, and the one behind it moves up', async () => {
    const { clock, counters, queue } = setup();
    const subjects = oneAtATime(60_000);
    const holder = await admit({ subjects, counters, queue, estimateTokens: () => 0, now: clock.now });
    const gone = new ClientAbort();
    const record = { queueWaitMs: null as number | null };
    const leaving = track(admit({ subjects, counters, queue, estimateTokens: () => 0, now: clock.now, signal: gone, waitRecord: record }));
    const staying = track(admit({ subjects, counters, queue, estimateTokens: () => 0, now: clock.now }));
    await flush();
    expect(queue.waiting('concurrency:key:k1')).toBe(2);
    clock.advance(300);
    gone.abort();
    // Out of the queue before any continuation has run.
    expect(queue.waiting('concurrency:key:k1')).toBe(1);
    await flush();
    expect(leaving.error).toMatchObject({ code: 'client_closed_request', status: 499 });
    expect(record.queueWaitMs).toBe(300);
    expect(staying.settled).toBe(false);
    await holder.finish({ tokens: 0, costUsd: 0 });
    await flush();
    expect(staying.value).toBeDefined();
    expect(queue.waiting('concurrency:key:k1')).toBe(0);
  });

  it('a caller already gone never joins', async () => {
    const { counters, queue } = setup();
    const subjects = oneAtATime(60_000);
    await admit({ subjects, counters, queue, estimateTokens: () => 0 });
    const gone = new ClientAbort();
    gone.abort();
    await expect(admit({ subjects, counters, queue, estimateTokens: () => 0, signal: gone })).rejects.toMatchObject({ code: 'client_closed_request' });
    expect(queue.waiting('concurrency:key:k1')).toBe(0);
  });

  it('is bounded: past the limit of waiters a request is refused at once, saying so', async () => {
    const { counters, queue } = setup({ maxWaiters: 2 });
    const subjects = oneAtATime(60_000);
    const record = { queueWaitMs: null as number | null };
    await admit({ subjects, counters, queue, estimateTokens: () => 0 });
    const waiting = [track(admit({ subjects, counters, queue, estimateTokens: () => 0 })), track(admit({ subjects, counters, queue, estimateTokens: () => 0 }))];
    await flush();
    const refusal = await admit({ subjects, counters, queue, estimateTokens: () => 0, waitRecord: record }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({
      code: 'concurrency_limited',
      reason: 'concurrency_limited.key',
      headers: { 'retry-after': '1' },
      message: 'Too many requests in flight for this key: at most 1 at once, and 2 requests are already waiting for a slot.',
    });
    expect(record.queueWaitMs).toBeNull();
    expect(waiting.every((state) => !state.settled)).toBe(true);
  });

  it('charges rate windows when the slot is taken: a queued request past its window is refused when it tries', async () => {
    const { clock, counters, queue } = setup();
    const windowed = oneAtATime(60_000, { requestsPerMinute: 2 });
    const request = () => admit({ subjects: windowed, counters, queue, estimateTokens: () => 0, now: clock.now });
    const first = await request();
    expect(first.headers['x-ratelimit-remaining-requests']).toBe('1');
    const second = track(request());
    const third = track(request());
    await flush();
    // Waiting costs no window: both still wait, with one request of the minute left.
    expect([second.settled, third.settled]).toEqual([false, false]);
    await first.finish({ tokens: 0, costUsd: 0 });
    await flush();
    // Charged its window only now, when it got the slot.
    expect(second.value?.headers['x-ratelimit-remaining-requests']).toBe('0');
    // The next in line checks once after an admission: its window is spent, so waiting longer cannot help.
    expect(third.error).toMatchObject({ code: 'rate_limited', reason: 'rate_limited.key.requests_per_minute' });
    expect(queue.waiting('concurrency:key:k1')).toBe(0);
    await second.value!.finish({ tokens: 0, costUsd: 0 });
  });

  it("moves on to another subject's queue, within that subject's own queue time", async () => {
    const { clock, counters, queue } = setup();
    // The key's slot and the team's: a second key of the team holds the team's only slot.
    const key = (id: string, teamQueueMs: number | undefined): LimitSubject[] => [
      { scope: 'key', id, limits: { concurrentRequests: 1, queueMs: 60_000 } },
      { scope: 'team', id: 't', limits: { concurrentRequests: 1, queueMs: teamQueueMs } },
    ];
    const request = (id: string, teamQueueMs: number | undefined) => admit({ subjects: key(id, teamQueueMs), counters, queue, estimateTokens: () => 0, now: clock.now });
    const teamHolder = await request('b', 60_000);
    // Holds key a's slot alone.
    const aHolder = await admit({ subjects: [{ scope: 'key', id: 'a', limits: { concurrentRequests: 1 } }], counters, queue, estimateTokens: () => 0 });
    const waiting = track(request('a', 60_000));
    await flush();
    expect(queue.waiting('concurrency:key:a')).toBe(1);
    await aHolder.finish({ tokens: 0, costUsd: 0 });
    await flush();
    // The key's slot is free now, the team's is not: it waits in the team's queue.
    expect(queue.waiting('concurrency:key:a')).toBe(0);
    expect(queue.waiting('concurrency:team:t')).toBe(1);
    await teamHolder.finish({ tokens: 0, costUsd: 0 });
    await flush();
    expect(waiting.value).toBeDefined();
    await waiting.value!.finish({ tokens: 0, costUsd: 0 });

    // A team without a queue time refuses at once, with the team named.
    const blocker = await request('c', undefined);
    await expect(request('d', undefined)).rejects.toMatchObject({ reason: 'concurrency_limited.team' });
    expect(queue.waiting('concurrency:team:t')).toBe(0);
    await blocker.finish({ tokens: 0, costUsd: 0 });
  });

  it("refuses at once when another subject's full slot has no queue time", async () => {
    const { clock, counters, queue } = setup();
    // The team's slot is held by another key; the team does not queue, the key does.
    const subjects = (id: string): LimitSubject[] => [
      { scope: 'key', id, limits: { concurrentRequests: 1, queueMs: 60_000 } },
      { scope: 'team', id: 't', limits: { concurrentRequests: 1 } },
    ];
    const other = await admit({ subjects: subjects('other'), counters, queue, estimateTokens: () => 0, now: clock.now });
    const aHolder = await admit({ subjects: [{ scope: 'key', id: 'a', limits: { concurrentRequests: 1 } }], counters, queue, estimateTokens: () => 0 });
    const waiting = track(admit({ subjects: subjects('a'), counters, queue, estimateTokens: () => 0, now: clock.now }));
    await flush();
    expect(waiting.settled).toBe(false);
    await aHolder.finish({ tokens: 0, costUsd: 0 });
    await flush();
    expect(waiting.error).toMatchObject({ code: 'concurrency_limited', reason: 'concurrency_limited.team' });
    expect(queue.waiting('concurrency:key:a')).toBe(0);
    await other.finish({ tokens: 0, costUsd: 0 });
  });

  it('a request that waited and was then admitted records its wait', async () => {
    const { clock, counters, queue } = setup();
    const subjects = oneAtATime(60_000);
    const holder = await admit({ subjects, counters, queue, estimateTokens: () => 0, now: clock.now });
    const record = { queueWaitMs: null as number | null };
    const waiting = track(admit({ subjects, counters, queue, estimateTokens: () => 0, now: clock.now, waitRecord: record }));
    await flush();
    clock.advance(1_250);
    await holder.finish({ tokens: 0, costUsd: 0 });
    await flush();
    expect(waiting.value).toBeDefined();
    expect(record.queueWaitMs).toBe(1_250);
  });
});

describe('without a queue time', () => {
  it('a full slot is refused at once, and admission never looks at the queue', async () => {
    const counters = new MemoryLimitCounters();
    const queue = new SlotQueue();
    const looked = vi.spyOn(queue, 'hasWaiters');
    const joined = vi.spyOn(queue, 'join');
    const subjects: LimitSubject[] = [{ scope: 'key', id: 'plain', limits: { concurrentRequests: 1, requestsPerMinute: 100 } }];
    const record = { queueWaitMs: null as number | null };
    const holding = await admit({ subjects, counters, queue, estimateTokens: () => 0, waitRecord: record });
    await expect(admit({ subjects, counters, queue, estimateTokens: () => 0, waitRecord: record })).rejects.toMatchObject({
      code: 'concurrency_limited',
      message: 'Too many requests in flight for this key: at most 1 at once.',
    });
    await holding.finish({ tokens: 0, costUsd: 0 });
    expect(looked).not.toHaveBeenCalled();
    expect(joined).not.toHaveBeenCalled();
    expect(record.queueWaitMs).toBeNull();
  });

  it('admission makes one charge and one settlement, as before', async () => {
    const counters = new MemoryLimitCounters();
    const charges: LimitCharge[] = [];
    const counting: LimitCounters = {
      charge: (charge) => (charges.push(charge), counters.charge(charge)),
      settle: (settlement) => counters.settle(settlement),
    };
    const subjects: LimitSubject[] = [{ scope: 'key', id: 'plain', limits: { concurrentRequests: 2 } }];
    const admission = await admit({ subjects, counters: counting, queue: new SlotQueue(), estimateTokens: () => 0 });
    await admission.finish({ tokens: 0, costUsd: 0 });
    expect(charges).toHaveLength(1);
  });
});

describe('slots given back where this instance cannot hear it (another instance, on Redis)', () => {
  it('only the head asks again, at growing intervals, and the queue moves when a slot is free', async () => {
    vi.useFakeTimers();
    let freeSlots = 0;
    let charges = 0;
    // Counters whose slot is freed elsewhere: nothing is given back through this instance.
    const remote: LimitCounters = {
      async charge(charge) {
        charges++;
        if (freeSlots === 0) return { admitted: false, states: [], refused: { slot: charge.slots[0]! } };
        freeSlots--;
        return { admitted: true, states: [] };
      },
      settle: async () => undefined,
    };
    const queue = new SlotQueue({ recheck: { firstMs: 20, maxMs: 80 } });
    const subjects = oneAtATime(60_000);
    const waiters = [track(admit({ subjects, counters: remote, queue, estimateTokens: () => 0 }))];
    await vi.advanceTimersByTimeAsync(0);
    waiters.push(track(admit({ subjects, counters: remote, queue, estimateTokens: () => 0 })), track(admit({ subjects, counters: remote, queue, estimateTokens: () => 0 })));
    await vi.advanceTimersByTimeAsync(0);
    // The first charge, and the head's check on joining.
    expect(charges).toBe(2);
    // Then the head alone, after 20, 40, 80 and every 80 ms: at 20, 60, 140, 220 and 300 ms.
    await vi.advanceTimersByTimeAsync(300);
    expect(charges).toBe(7);
    freeSlots = 2;
    await vi.advanceTimersByTimeAsync(80);
    // The head got one, and the next in line checked at once and got the other.
    expect(waiters.map((waiter) => waiter.settled)).toEqual([true, true, false]);
    expect(queue.waiting('concurrency:key:k1')).toBe(1);
    // The new head starts again from the shortest interval.
    const before = charges;
    await vi.advanceTimersByTimeAsync(20);
    expect(charges).toBe(before + 1);
  });
});
