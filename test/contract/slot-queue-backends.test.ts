import { afterAll, describe, expect, it } from 'vitest';
import { admit, type Admission } from '../../src/policy/admission.js';
import { type LimitSubject } from '../../src/domain/limit-subject.js';
import type { LimitCounters } from '../../src/policy/limit-counters.js';
import { MemoryLimitCounters } from '../../src/policy/memory-limit-counters.js';
import { SlotQueue } from '../../src/policy/slot-queue.js';
import { ClientAbort } from '../../src/server/proxy/client-abort.js';
import { RedisLimitCounters, sharedSlotRecheck } from '../../src/store/redis/redis-limit-counters.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { connectTestRedis } from '../helpers/redis-backend.js';

/**
 * Waiting for a concurrency slot (`queueMs`) on every limit backend: in process, and on the real Redis with
 * two instances (two counters over the same keys, two queues), where a slot given back by one instance
 * reaches a request queued on the other only through the head's rechecks.
 */
interface Instance {
  counters: LimitCounters;
  queue: SlotQueue;
}

interface Backend {
  name: string;
  /** Two instances sharing the same slots: in process, the same one twice. */
  instances(): [Instance, Instance];
}

const redisConnection = await connectTestRedis();
const backends: Backend[] = [
  {
    name: 'memory',
    instances() {
      const only = { counters: new MemoryLimitCounters(new ManualClock().now), queue: new SlotQueue() };
      return [only, only];
    },
  },
];
if ('redis' in redisConnection) {
  const { redis, prefix } = redisConnection;
  let sequence = 0;
  backends.push({
    name: 'redis',
    instances() {
      const shared = `${prefix}${sequence++}:`;
      const instance = () => ({ counters: new RedisLimitCounters(redis, shared), queue: new SlotQueue({ recheck: sharedSlotRecheck }) });
      return [instance(), instance()];
    },
  });
} else {
  console.warn(`[slot queue backends] skipping the Redis backend: ${redisConnection.skipReason}`);
}

afterAll(async () => {
  if ('redis' in redisConnection) {
    const keys = await redisConnection.redis.keys(`${redisConnection.prefix}*`);
    if (keys.length > 0) await redisConnection.redis.del(...keys);
    redisConnection.redis.disconnect();
  }
});

/** A promise's fate, readable without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

/** One slot for key `k`; without a queue time a full slot is refused at once. */
const capped = (queueMs?: number): LimitSubject[] => [{ scope: 'key', id: 'k', limits: { concurrentRequests: 1, queueMs, requestsPerMinute: 1_000 } }];
const request = (instance: Instance, subjects: LimitSubject[], extra: { signal?: ClientAbort; waitRecord?: { queueWaitMs: number | null }; now?: () => number } = {}) =>
  admit({ subjects, counters: instance.counters, queue: instance.queue, estimateTokens: () => 0, ...extra });

describe.each(backends)('$name backend: waiting for a concurrency slot', (backend) => {
  it('a slot given back on one instance goes to the request queued on the other', async () => {
    const [first, second] = backend.instances();
    const holder = await request(first, capped(10_000));
    const record = { queueWaitMs: null as number | null };
    // The wait is measured on admission's clock: moved by hand, it says exactly how long the request queued.
    const waitClock = new ManualClock();
    const waiting = track(request(second, capped(10_000), { waitRecord: record, now: waitClock.now }));
    await expect.poll(() => second.queue.waiting('concurrency:key:k')).toBe(1);
    expect(waiting.settled).toBe(false);
    waitClock.advance(250);
    await holder.finish({ tokens: 0, costUsd: 0 });
    await expect.poll(() => waiting.settled, { timeout: 5_000 }).toBe(true);
    expect(waiting.error).toBeUndefined();
    expect(record.queueWaitMs).toBe(250);
    // It holds the slot now: the first instance is refused, at once without a queue time.
    await expect(request(first, capped())).rejects.toMatchObject({ code: 'concurrency_limited' });
    await waiting.value!.finish({ tokens: 0, costUsd: 0 });
    await expect(request(first, capped())).resolves.toBeDefined();
  });

  it('serves one instance’s waiters in arrival order', async () => {
    const [instance] = backend.instances();
    const holder = await request(instance, capped(10_000));
    const waiters: Array<{ name: string; state: ReturnType<typeof track<Admission>> }> = [];
    for (const name of ['b', 'c', 'd']) {
      waiters.push({ name, state: track(request(instance, capped(10_000))) });
      // Arrival order is the order of joining: wait until each has joined before the next arrives.
      await expect.poll(() => instance.queue.waiting('concurrency:key:k')).toBe(waiters.length);
    }
    const order: string[] = [];
    let current: Admission = holder;
    for (let turn = 0; turn < 3; turn++) {
      await current.finish({ tokens: 0, costUsd: 0 });
      await expect.poll(() => waiters.filter((waiter) => waiter.state.settled).length).toBe(turn + 1);
      const admitted = waiters.find((waiter) => waiter.state.settled && !order.includes(waiter.name))!;
      order.push(admitted.name);
      current = admitted.state.value!;
    }
    expect(order).toEqual(['b', 'c', 'd']);
    await current.finish({ tokens: 0, costUsd: 0 });
  });

  it('times out with a 429 and leaves the slot count as it was', async () => {
    const [first, second] = backend.instances();
    const holder = await request(first, capped(150));
    const refusal = await request(second, capped(150)).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'concurrency_limited', headers: { 'retry-after': '1' } });
    expect(second.queue.waiting('concurrency:key:k')).toBe(0);
    await holder.finish({ tokens: 0, costUsd: 0 });
    // The timed-out request took nothing: exactly one slot is free again.
    const next = await request(second, capped());
    await expect(request(first, capped())).rejects.toMatchObject({ code: 'concurrency_limited' });
    await next.finish({ tokens: 0, costUsd: 0 });
  });

  it('a caller that goes away leaves the queue at once and takes nothing', async () => {
    const [first, second] = backend.instances();
    const holder = await request(first, capped(10_000));
    const gone = new ClientAbort();
    const leaving = track(request(second, capped(10_000), { signal: gone }));
    await expect.poll(() => second.queue.waiting('concurrency:key:k')).toBe(1);
    gone.abort();
    expect(second.queue.waiting('concurrency:key:k')).toBe(0);
    await expect.poll(() => leaving.settled).toBe(true);
    expect(leaving.error).toMatchObject({ code: 'client_closed_request' });
    await holder.finish({ tokens: 0, costUsd: 0 });
    const next = await request(second, capped());
    await next.finish({ tokens: 0, costUsd: 0 });
  });
});
