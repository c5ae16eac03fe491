import type { Redis } from 'ioredis';
import type { ChargeOutcome, LimitCounters, WindowCharge, WindowState } from '../../policy/limit-counters.js';

/**
 * All-or-nothing window charge, atomic in Redis, on Redis's own clock so instances with skewed clocks agree
 * on windows. KEYS are the counters; ARGV = windowMs, then limit and amount per counter. Returns, per
 * counter, its use, then the window's reset time, then 1 (admitted) or the 1-based index refused.
 */
const chargeScript = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local windowMs = tonumber(ARGV[1])
local windowStart = nowMs - (nowMs % windowMs)
local result = {}
local refused = 0
for index, counter in ipairs(KEYS) do
  local key = counter .. ':' .. windowStart
  local used = tonumber(redis.call('GET', key) or '0')
  local limit = tonumber(ARGV[index * 2])
  local amount = tonumber(ARGV[index * 2 + 1])
  result[index] = used
  if refused == 0 and used + amount > limit then refused = index end
end
if refused == 0 then
  for index, counter in ipairs(KEYS) do
    local key = counter .. ':' .. windowStart
    result[index] = redis.call('INCRBY', key, tonumber(ARGV[index * 2 + 1]))
    redis.call('PEXPIRE', key, windowMs * 2)
  end
end
table.insert(result, windowStart + windowMs)
table.insert(result, refused)
return result
`;

/** Takes a slot if fewer than ARGV[1] are taken; slots expire after ARGV[2] ms in case an instance dies holding them. */
const acquireScript = `
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
if taken >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

const releaseScript = `
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
if taken <= 1 then redis.call('DEL', KEYS[1]) else redis.call('DECR', KEYS[1]) end
return 1
`;

const adjustScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  local value = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
  if value < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
end
return 1
`;

/** How long a concurrency slot survives an instance that died without releasing it. */
const slotLifetimeMs = 10 * 60_000;

/** Limit counters shared by every instance: one Redis round trip per check, each an atomic script. */
export class RedisLimitCounters implements LimitCounters {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'sluice:limits:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async charge(charges: WindowCharge[], windowMs: number): Promise<ChargeOutcome> {
    const keys = charges.map((charge) => this.#prefix + charge.counter);
    const args = [windowMs, ...charges.flatMap((charge) => [charge.limit, charge.amount])];
    const result = (await this.#redis.eval(chargeScript, keys.length, ...keys, ...args)) as number[];
    const resetAt = Number(result[charges.length]);
    const refused = Number(result[charges.length + 1]);
    const states: WindowState[] = charges.map((charge, index) => ({ counter: charge.counter, limit: charge.limit, used: Number(result[index]), resetAt }));
    return refused === 0 ? { admitted: true, states } : { admitted: false, refused: states[refused - 1]!, states };
  }

  async adjust(counter: string, windowStart: number, _windowMs: number, delta: number): Promise<void> {
    await this.#redis.eval(adjustScript, 1, `${this.#prefix}${counter}:${windowStart}`, delta);
  }

  async acquireSlot(counter: string, limit: number): Promise<boolean> {
    return Number(await this.#redis.eval(acquireScript, 1, this.#prefix + counter, limit, slotLifetimeMs)) === 1;
  }

  async releaseSlot(counter: string): Promise<void> {
    await this.#redis.eval(releaseScript, 1, this.#prefix + counter);
  }
}
