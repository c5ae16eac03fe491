import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CooldownSettings, Cooldowns } from '../../src/routing/cooldowns.js';
import { MemoryCooldowns } from '../../src/routing/memory-cooldowns.js';
import { RedisCooldowns } from '../../src/store/redis/redis-cooldowns.js';
import { ResilientCooldowns } from '../../src/store/redis/resilient-cooldowns.js';
import { connectTestRedis } from '../helpers/redis-backend.js';
import { recordingLogger } from '../helpers/routing-fixtures.js';

/**
 * One contract for cooldowns, run in process (on an injected clock) and on the machine's real Redis (on
 * Redis's clock, so its deadlines are short and passing one is waited for with vi.waitFor, never a sleep).
 */
interface World {
  /** Two instances sharing one state (the in-process backend has one instance: both are it). */
  first: Cooldowns;
  second: Cooldowns;
  /** Makes `second` see what `first` wrote (Redis: its mirror is read again). */
  sync: () => Promise<void>;
  /** Lets `ms` pass, then holds `assertion` (Redis: waits until it holds). */
  after: (ms: number, assertion: () => void | Promise<void>) => Promise<void>;
  /** The backend's clock, for deadlines. */
  now: () => number;
}

interface Backend {
  name: string;
  settings: CooldownSettings;
  leaseMs: number;
  /** Whether time is injected (windows can be tested without waiting a window out). */
  injectedClock: boolean;
  world: () => World;
}

const redisConnection = await connectTestRedis();
const backends: Backend[] = [
  {
    name: 'memory',
    settings: { failures: 3, windowMs: 60_000, durationMs: 30_000, maxDurationMs: 300_000 },
    leaseMs: 10_000,
    injectedClock: true,
    world: () => {
      let now = 1_700_000_000_000;
      const cooldowns = new MemoryCooldowns(() => now);
      return {
        first: cooldowns,
        second: cooldowns,
        sync: async () => undefined,
        after: async (ms, assertion) => {
          now += ms;
          await assertion();
        },
        now: () => now,
      };
    },
  },
];
const opened: RedisCooldowns[] = [];
const connections: Redis[] = [];
if ('redis' in redisConnection) {
  const { redis, prefix } = redisConnection;
  let instance = 0;
  backends.push({
    name: 'redis',
    settings: { failures: 3, windowMs: 60_000, durationMs: 150, maxDurationMs: 1_000 },
    leaseMs: 150,
    injectedClock: false,
    world: () => {
      const namespace = `${prefix}${instance++}:`;
      const first = new RedisCooldowns(redis, { prefix: namespace });
      // The second instance has a connection of its own, as another gateway would.
      const connection = redis.duplicate();
      connections.push(connection);
      const second = new RedisCooldowns(connection, { prefix: namespace });
      opened.push(first, second);
      return {
        first,
        second,
        sync: () => second.refresh(),
        after: (ms, assertion) => vi.waitFor(assertion, { timeout: ms + 3_000, interval: 10 }),
        now: Date.now,
      };
    },
  });
} else {
  console.warn(`[cooldowns] skipping the Redis backend: ${redisConnection.skipReason}`);
}

afterAll(async () => {
  if ('redis' in redisConnection) {
    const keys = await redisConnection.redis.keys(`${redisConnection.prefix}*`);
    if (keys.length > 0) await redisConnection.redis.del(...keys);
    redisConnection.redis.disconnect();
  }
  for (const cooldowns of opened) await cooldowns.close();
  for (const connection of connections) connection.disconnect();
});

describe.each(backends)('cooldowns on $name', (backend) => {
  const { settings, leaseMs } = backend;
  const target = 'openai:gpt-4o-mini';

  it('cool a target down after `failures` failures in a window, not before', async () => {
    const { first, now } = backend.world();
    expect(first.status(target)).toBe('available');
    expect(await first.recordFailure(target, settings)).toMatchObject({ deadline: undefined, failures: 1 });
    await first.recordFailure(target, settings);
    expect(first.status(target)).toBe('available');
    const before = now();
    const third = await first.recordFailure(target, settings);
    expect(first.status(target)).toBe('cooling');
    expect(third.failures).toBe(0);
    // Redis keeps its own clock; on this machine it is the same one, give or take scheduling.
    expect(third.deadline).toBeGreaterThanOrEqual(before + settings.durationMs - 50);
    expect(third.deadline).toBeLessThanOrEqual(now() + settings.durationMs + 50);
  });

  it.runIf(backend.injectedClock)('forget failures once their window has passed', async () => {
    const { first, after } = backend.world();
    await first.recordFailure(target, settings);
    await first.recordFailure(target, settings);
    await after(settings.windowMs, async () => {
      expect((await first.recordFailure(target, settings)).failures).toBe(1);
    });
    expect(first.status(target)).toBe('available');
  });

  it('never shorten a deadline: later failures, shorter retry-afters and early successes leave it', async () => {
    const { first, now } = backend.world();
    const long = await first.coolFor(target, settings.durationMs * 4, settings);
    expect(long.deadline).toBeGreaterThanOrEqual(now() + settings.durationMs * 3);
    expect((await first.recordFailure(target, settings)).deadline).toBe(long.deadline);
    expect((await first.coolBadCredential(target, settings)).deadline).toBe(long.deadline);
    expect((await first.coolFor(target, 1, settings)).deadline).toBe(long.deadline);
    await first.recordSuccess(target);
    expect(first.status(target)).toBe('cooling');
    expect(await first.claimProbe(target, leaseMs)).toBe('cooling');
    expect((await first.recordFailure(target, settings)).deadline).toBe(long.deadline);
    // A longer retry-after does move it later.
    const longer = await first.coolFor(target, settings.durationMs * 6, settings);
    expect(longer.deadline).toBeGreaterThan(long.deadline!);
  });

  it('cap a retry-after cooldown at maxDurationMs', async () => {
    const { first, now } = backend.world();
    const before = now();
    const state = await first.coolFor(target, settings.maxDurationMs * 1_000, settings);
    expect(state.deadline).toBeLessThanOrEqual(before + settings.maxDurationMs + 1_000);
    expect(first.status(target)).toBe('cooling');
  });

  it('give exactly one caller the probe when the deadline passes; the others keep skipping it', async () => {
    const { first, after } = backend.world();
    await first.coolBadCredential(target, settings);
    await after(settings.durationMs, () => expect(first.status(target)).toBe('half-open'));
    const claims = await Promise.all(Array.from({ length: 10 }, () => first.claimProbe(target, leaseMs * 100)));
    expect(claims.filter((claim) => claim === 'probe')).toHaveLength(1);
    expect(claims.filter((claim) => claim === 'cooling')).toHaveLength(9);
    expect(first.status(target)).toBe('cooling');
    // The probe succeeds: the target is back for everyone.
    await first.recordSuccess(target);
    expect(first.status(target)).toBe('available');
    expect(await first.claimProbe(target, leaseMs)).toBe('available');
    expect((await first.recordFailure(target, settings)).failures).toBe(1);
  });

  it('set a new, later deadline when the probe fails', async () => {
    const { first, after } = backend.world();
    const cooled = await first.coolBadCredential(target, settings);
    await after(settings.durationMs, () => expect(first.status(target)).toBe('half-open'));
    expect(await first.claimProbe(target, leaseMs * 100)).toBe('probe');
    const failed = await first.recordFailure(target, settings);
    expect(failed.deadline).toBeGreaterThan(cooled.deadline!);
    expect(first.status(target)).toBe('cooling');
    await after(settings.durationMs, () => expect(first.status(target)).toBe('half-open'));
    expect(await first.claimProbe(target, leaseMs)).toBe('probe');
  });

  it('hand a probe out again when it is released, or when its lease runs out unreported', async () => {
    const { first, after } = backend.world();
    await first.coolBadCredential(target, settings);
    await after(settings.durationMs, () => expect(first.status(target)).toBe('half-open'));
    expect(await first.claimProbe(target, leaseMs)).toBe('probe');
    await first.releaseProbe(target);
    expect(first.status(target)).toBe('half-open');
    expect(await first.claimProbe(target, leaseMs)).toBe('probe');
    expect(await first.claimProbe(target, leaseMs)).toBe('cooling');
    await after(leaseMs, async () => expect(await first.claimProbe(target, leaseMs)).toBe('probe'));
  });

  it('keep targets apart', async () => {
    const { first } = backend.world();
    await first.coolBadCredential(target, settings);
    expect(first.status(target)).toBe('cooling');
    expect(first.status('anthropic:claude-haiku-4-5')).toBe('available');
    expect(first.status('constructor')).toBe('available');
  });

  it.runIf(backend.name === 'redis')('share cooldowns between two instances on one Redis', async () => {
    const { first, second, sync, after } = backend.world();
    expect(second.status(target)).toBe('available');
    // Instance one counts two failures, instance two the third: the count is shared too.
    await first.recordFailure(target, settings);
    await first.recordFailure(target, settings);
    await second.recordFailure(target, settings);
    expect(second.status(target)).toBe('cooling');
    expect(first.status(target)).toBe('available');
    await (first as RedisCooldowns).refresh();
    expect(first.status(target)).toBe('cooling');
    // Once it expires, one probe across both instances.
    await after(settings.durationMs, () => expect(first.status(target)).toBe('half-open'));
    const claims = await Promise.all([first, second, first, second].map((cooldowns) => cooldowns.claimProbe(target, 60_000)));
    expect(claims.filter((claim) => claim === 'probe')).toHaveLength(1);
    // The winner's success clears it for the other instance as well.
    const winner = [first, second, first, second][claims.indexOf('probe')]!;
    await winner.recordSuccess(target);
    await sync();
    await (first as RedisCooldowns).refresh();
    expect(second.status(target)).toBe('available');
    expect(first.status(target)).toBe('available');
  });
  it.runIf(backend.name === 'redis')('let a running instance pick up another instance’s cooldown by itself', async () => {
    const { first, second } = backend.world();
    (second as RedisCooldowns).start();
    await first.coolBadCredential(target, { ...settings, durationMs: 60_000 });
    await vi.waitFor(() => expect(second.status(target)).toBe('cooling'), { timeout: 3_000, interval: 25 });
  });
});

describe('cooldowns while Redis is unreachable', () => {
  it('fall back to this instance: failures still cool targets, and probes are handed out locally', async () => {
    // A real client to a port where nothing listens: every command fails at once, as during an outage.
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    unreachable.on('error', () => undefined);
    let now = 1_700_000_000_000;
    const warnings: string[] = [];
    const cooldowns = new ResilientCooldowns({
      primary: new RedisCooldowns(unreachable),
      local: new MemoryCooldowns(() => now),
      logger: recordingLogger(warnings),
    });
    const settings = { failures: 2, windowMs: 60_000, durationMs: 1_000, maxDurationMs: 10_000 };
    await cooldowns.recordFailure('mock:a', settings);
    expect(cooldowns.status('mock:a')).toBe('available');
    await cooldowns.recordFailure('mock:a', settings);
    expect(cooldowns.status('mock:a')).toBe('cooling');
    expect(warnings).toEqual(["Redis unavailable: cooldowns are kept in this instance's memory"]);
    now += 1_000;
    expect(cooldowns.status('mock:a')).toBe('half-open');
    expect(await cooldowns.claimProbe('mock:a', 5_000)).toBe('probe');
    expect(await cooldowns.claimProbe('mock:a', 5_000)).toBe('cooling');
    await cooldowns.recordSuccess('mock:a');
    expect(cooldowns.status('mock:a')).toBe('available');
    expect(await cooldowns.claimProbe('mock:b', 5_000)).toBe('available');
    unreachable.disconnect();
  });
});
