import type { Redis } from 'ioredis';
import type { ChargeOutcome, LimitCharge, LimitCounters, LimitSettlement, WindowState } from '../../policy/limit-counters.js';
import type { RecheckInterval } from '../../policy/slot-queue.js';
import { defineScript, type RedisScript } from './redis-script.js';

/**
 * Windows and slots charged all-or-nothing, atomically, on Redis's own clock so instances with skewed
 * clocks agree on windows. KEYS = the window counters, then the slot counters. ARGV = windowMs, the number
 * of windows, the slot lifetime in ms, then limit and amount per window, then the limit per slot, and last,
 * only when a test gives one, the time in ms to use instead of Redis's. Returns each window's use, the
 * windows' reset time, and what refused: 0 (nothing), 1 (a window) or 2 (a slot), with its 1-based index.
 */
const chargeScript = `
local windowMs = tonumber(ARGV[1])
local windows = tonumber(ARGV[2])
local slotLifetimeMs = tonumber(ARGV[3])
local givenNow = ARGV[4 + windows * 2 + #KEYS - windows]
local nowMs
if givenNow then
  nowMs = tonumber(givenNow)
else
  local now = redis.call('TIME')
  nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
local windowStart = nowMs - (nowMs % windowMs)
local result = {}
local refusedKind, refusedIndex = 0, 0
for index = 1, windows do
  local used = tonumber(redis.call('GET', KEYS[index] .. ':' .. windowStart) or '0')
  result[index] = used
  if refusedKind == 0 and used + tonumber(ARGV[3 + index * 2]) > tonumber(ARGV[2 + index * 2]) then
    refusedKind, refusedIndex = 1, index
  end
end
if refusedKind == 0 then
  for index = windows + 1, #KEYS do
    local taken = tonumber(redis.call('GET', KEYS[index]) or '0')
    if taken >= tonumber(ARGV[3 + windows * 2 + index - windows]) then
      refusedKind, refusedIndex = 2, index - windows
      break
    end
  end
end
if refusedKind == 0 then
  for index = 1, windows do
    local key = KEYS[index] .. ':' .. windowStart
    result[index] = redis.call('INCRBY', key, tonumber(ARGV[3 + index * 2]))
    redis.call('PEXPIRE', key, windowMs * 2)
  end
  for index = windows + 1, #KEYS do
    redis.call('INCR', KEYS[index])
    redis.call('PEXPIRE', KEYS[index], slotLifetimeMs)
  end
end
table.insert(result, windowStart + windowMs)
table.insert(result, refusedKind)
table.insert(result, refusedIndex)
return result
`;

/**
 * KEYS = windows to adjust (with their window start), then slots to give back. ARGV = the number of
 * windows, then one delta per window. A window that has already expired is left alone.
 */
const settleScript = `
local windows = tonumber(ARGV[1])
for index = 1, windows do
  if redis.call('EXISTS', KEYS[index]) == 1 then
    local value = redis.call('INCRBY', KEYS[index], tonumber(ARGV[1 + index]))
    if value < 0 then redis.call('SET', KEYS[index], 0, 'KEEPTTL') end
  end
end
for index = windows + 1, #KEYS do
  local taken = tonumber(redis.call('GET', KEYS[index]) or '0')
  if taken <= 1 then redis.call('DEL', KEYS[index]) else redis.call('DECR', KEYS[index]) end
end
return 1
`;

/** How long a concurrency slot survives an instance that died without releasing it. */
const slotLifetimeMs = 10 * 60_000;

/**
 * How requests queued for a slot (`queueMs`) notice slots given back by other instances. Slots live here,
 * and an instance hears only its own releases (which wake its queue at once); for the others the head of
 * each local queue tries the charge script again after 20 ms, then 40, 80, 160 and every 200 ms. That costs
 * nothing while nobody waits, and at most one script in flight per queued counter per instance (about five
 * a second once the interval has grown), so Redis load is bounded by the number of full subjects, not by the
 * number of waiters. A per-subject release notification (PUBLISH on settle, SUBSCRIBE while waiting) would
 * hear a remote release sooner but costs a subscriber connection and a publish in every settlement, queued
 * or not. Order is first come first served within an instance; across instances, heads compete.
 */
export const sharedSlotRecheck: RecheckInterval = { firstMs: 20, maxMs: 200 };

/** Limit counters shared by every instance: one round trip to charge a request, one to settle it. */
export class RedisLimitCounters implements LimitCounters {
  readonly #prefix: string;
  readonly #charge: RedisScript;
  readonly #settle: RedisScript;
  readonly #now: (() => number) | undefined;

  /**
   * `options.now`: a clock for the windows instead of Redis's own, for tests that must not wait for a minute
   * to turn. Production passes none: instances then agree on windows whatever their own clocks say.
   */
  constructor(redis: Redis, prefix = 'sluice:limits:', options: { now?: (() => number) | undefined } = {}) {
    this.#prefix = prefix;
    this.#now = options.now;
    this.#charge = defineScript(redis, 'sluiceLimitCharge', chargeScript);
    this.#settle = defineScript(redis, 'sluiceLimitSettle', settleScript);
  }

  async charge({ windows, windowMs, slots }: LimitCharge): Promise<ChargeOutcome> {
    const keys = [...windows.map((window) => this.#prefix + window.counter), ...slots.map((slot) => this.#prefix + slot.counter)];
    const args = [windowMs, windows.length, slotLifetimeMs, ...windows.flatMap((window) => [window.limit, window.amount]), ...slots.map((slot) => slot.limit)];
    if (this.#now !== undefined) args.push(this.#now());
    const result = (await this.#charge(keys, args)) as number[];
    const resetAt = Number(result[windows.length]);
    const refusedKind = Number(result[windows.length + 1]);
    const refusedIndex = Number(result[windows.length + 2]) - 1;
    const states: WindowState[] = windows.map((window, index) => ({ counter: window.counter, limit: window.limit, used: Number(result[index]), resetAt }));
    if (refusedKind === 1) return { admitted: false, states, refused: { window: states[refusedIndex]! } };
    if (refusedKind === 2) return { admitted: false, states, refused: { slot: slots[refusedIndex]! } };
    return { admitted: true, states };
  }

  async settle({ adjustments, slots }: LimitSettlement): Promise<void> {
    if (adjustments.length === 0 && slots.length === 0) return;
    const keys = [...adjustments.map((adjustment) => `${this.#prefix}${adjustment.counter}:${adjustment.windowStart}`), ...slots.map((slot) => this.#prefix + slot)];
    await this.#settle(keys, [adjustments.length, ...adjustments.map((adjustment) => adjustment.delta)]);
  }
}
