import type { Redis } from 'ioredis';
import type { CooldownSettings, Cooldowns, CooldownState, CooldownStatus, ProbeClaim } from '../../routing/cooldowns.js';
import { defineScript, type RedisScript } from './redis-script.js';

/**
 * Every script reads Redis's own clock first, so instances with skewed clocks agree on deadlines. A target's
 * record is a hash (failures, windowStart, deadline, probeUntil; 0 = unset); the index is a sorted set of
 * the targets that have a deadline, which is what each instance mirrors. Scripts answer
 * {now, deadline, probeUntil, failures or an outcome}.
 */
const clock = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * KEYS = record, index. ARGV = mode ('count' or 'extend'), failures threshold, windowMs, durationMs (count:
 * the cooldown; extend: how long from now), how long a cooled record is kept after its deadline, target id.
 * A deadline only ever moves later.
 */
const failureScript = `${clock}
local fields = redis.call('HMGET', KEYS[1], 'failures', 'windowStart', 'deadline')
local failures = tonumber(fields[1] or '0')
local windowStart = tonumber(fields[2] or '0')
local deadline = tonumber(fields[3] or '0')
local windowMs = tonumber(ARGV[3])
local durationMs = tonumber(ARGV[4])
local extend = ARGV[1] == 'extend' or deadline > 0
if not extend then
  if now - windowStart >= windowMs then
    windowStart = now
    failures = 0
  end
  failures = failures + 1
  if failures >= tonumber(ARGV[2]) then extend = true end
end
if extend then
  if now + durationMs > deadline then deadline = now + durationMs end
  failures = 0
end
redis.call('HSET', KEYS[1], 'failures', failures, 'windowStart', windowStart, 'deadline', deadline, 'probeUntil', 0)
if deadline > 0 then
  redis.call('ZADD', KEYS[2], deadline, ARGV[6])
  redis.call('PEXPIRE', KEYS[1], math.max(windowMs, deadline - now + tonumber(ARGV[5])))
else
  redis.call('PEXPIRE', KEYS[1], windowMs)
end
return {now, deadline, 0, failures}
`;

/** KEYS = record. ARGV = lease ms. Outcome: 0 available, 1 cooling (or probed by another), 2 probe won. */
const claimScript = `${clock}
local fields = redis.call('HMGET', KEYS[1], 'deadline', 'probeUntil')
local deadline = tonumber(fields[1] or '0')
local probeUntil = tonumber(fields[2] or '0')
if deadline == 0 then return {now, 0, 0, 0} end
if now < deadline or now < probeUntil then return {now, deadline, probeUntil, 1} end
probeUntil = now + tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'probeUntil', probeUntil)
return {now, deadline, probeUntil, 2}
`;

/** KEYS = record, index. ARGV = target id. Clears a record whose deadline has passed; outcome 1 when it did. */
const successScript = `${clock}
local fields = redis.call('HMGET', KEYS[1], 'deadline', 'probeUntil')
local deadline = tonumber(fields[1] or '0')
if deadline == 0 or now < deadline then return {now, deadline, tonumber(fields[2] or '0'), 0} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return {now, 0, 0, 1}
`;

/** KEYS = record. */
const releaseScript = `${clock}
if redis.call('EXISTS', KEYS[1]) == 0 then return {now, 0, 0, 0} end
redis.call('HSET', KEYS[1], 'probeUntil', 0)
local deadline = tonumber(redis.call('HGET', KEYS[1], 'deadline') or '0')
return {now, deadline, 0, 0}
`;

/**
 * KEYS = index. ARGV = the record key prefix. Every cooled target with its deadline and probe lease;
 * index entries whose record has expired are removed on the way. Answers {now, id, deadline, probeUntil, …}.
 */
const readScript = `${clock}
local result = {now}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HMGET', ARGV[1] .. id, 'deadline', 'probeUntil')
  if fields[1] then
    table.insert(result, id)
    table.insert(result, tonumber(fields[1]))
    table.insert(result, tonumber(fields[2] or '0'))
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return result
`;

/** A cooled record is kept this long after its deadline, half-open, waiting for a probe. */
const keepAfterDeadlineMs = 24 * 60 * 60_000;

interface MirroredCooldown {
  deadline: number;
  probeUntil: number;
}

export interface RedisCooldownsOptions {
  prefix?: string;
  /** How often the mirror of cooled targets is read again: how soon another instance's cooldown is seen. */
  refreshIntervalMs?: number;
  onRefreshError?: (error: unknown) => void;
}

/**
 * Cooldowns shared by every instance. Each write is one atomic script on Redis time. Reads are local:
 * each instance mirrors the (few) cooled targets, refreshed every `refreshIntervalMs` and after each of its
 * own writes, so planning a call needs no round trip; only claiming a half-open target's probe does, and
 * that claim is decided in Redis, so exactly one caller across all instances probes.
 */
export class RedisCooldowns implements Cooldowns {
  readonly #prefix: string;
  readonly #failure: RedisScript;
  readonly #claim: RedisScript;
  readonly #success: RedisScript;
  readonly #release: RedisScript;
  readonly #read: RedisScript;
  readonly #mirror = new Map<string, MirroredCooldown>();
  /** Redis's clock minus ours, as of the last answer. */
  #clockOffsetMs = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #refreshIntervalMs: number;
  readonly #onRefreshError: (error: unknown) => void;

  constructor(redis: Redis, options: RedisCooldownsOptions = {}) {
    this.#prefix = options.prefix ?? 'sluice:cooldowns:';
    this.#refreshIntervalMs = options.refreshIntervalMs ?? 250;
    this.#onRefreshError = options.onRefreshError ?? (() => undefined);
    this.#failure = defineScript(redis, 'sluiceCooldownFailure', failureScript);
    this.#claim = defineScript(redis, 'sluiceCooldownClaim', claimScript);
    this.#success = defineScript(redis, 'sluiceCooldownSuccess', successScript);
    this.#release = defineScript(redis, 'sluiceCooldownRelease', releaseScript);
    this.#read = defineScript(redis, 'sluiceCooldownRead', readScript);
  }

  /** Starts refreshing the mirror in the background (the timer does not hold the process open). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.refresh().catch(this.#onRefreshError);
    }, this.#refreshIntervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Reads every cooled target from Redis into the mirror. */
  async refresh(): Promise<void> {
    const answer = (await this.#read([this.#index()], [this.#recordPrefix()])) as Array<string | number>;
    this.#clockOffsetMs = Number(answer[0]) - Date.now();
    this.#mirror.clear();
    for (let index = 1; index + 2 < answer.length; index += 3) {
      this.#mirror.set(String(answer[index]), { deadline: Number(answer[index + 1]), probeUntil: Number(answer[index + 2]) });
    }
  }

  status(targetId: string): CooldownStatus {
    const mirrored = this.#mirror.get(targetId);
    if (!mirrored || mirrored.deadline === 0) return 'available';
    const now = Date.now() + this.#clockOffsetMs;
    return now < mirrored.deadline || now < mirrored.probeUntil ? 'cooling' : 'half-open';
  }

  async claimProbe(targetId: string, leaseMs: number): Promise<ProbeClaim> {
    const answer = await this.#run(this.#claim, targetId, [this.#record(targetId)], [leaseMs]);
    return answer.outcome === 2 ? 'probe' : answer.outcome === 1 ? 'cooling' : 'available';
  }

  async recordFailure(targetId: string, settings: CooldownSettings): Promise<CooldownState> {
    return this.#fail(targetId, 'count', settings.durationMs, settings);
  }

  async coolFor(targetId: string, durationMs: number, settings: CooldownSettings): Promise<CooldownState> {
    if (durationMs <= 0) return { deadline: this.#mirror.get(targetId)?.deadline, failures: 0 };
    return this.#fail(targetId, 'extend', Math.min(durationMs, settings.maxDurationMs), settings);
  }

  async coolBadCredential(targetId: string, settings: CooldownSettings): Promise<CooldownState> {
    return this.#fail(targetId, 'extend', settings.durationMs, settings);
  }

  async recordSuccess(targetId: string): Promise<void> {
    await this.#run(this.#success, targetId, [this.#record(targetId), this.#index()], [targetId]);
  }

  async releaseProbe(targetId: string): Promise<void> {
    await this.#run(this.#release, targetId, [this.#record(targetId)], []);
  }

  async #fail(targetId: string, mode: 'count' | 'extend', durationMs: number, settings: CooldownSettings): Promise<CooldownState> {
    const answer = await this.#run(
      this.#failure,
      targetId,
      [this.#record(targetId), this.#index()],
      [mode, settings.failures, settings.windowMs, durationMs, keepAfterDeadlineMs, targetId],
    );
    return { deadline: answer.deadline === 0 ? undefined : answer.deadline, failures: answer.outcome };
  }

  /** Runs a script and brings the target's mirror entry up to date with what it answered. */
  async #run(script: RedisScript, targetId: string, keys: string[], args: Array<string | number>) {
    const answer = (await script(keys, args)) as number[];
    const [now, deadline, probeUntil, outcome] = answer.map(Number) as [number, number, number, number];
    this.#clockOffsetMs = now - Date.now();
    if (deadline === 0) this.#mirror.delete(targetId);
    else this.#mirror.set(targetId, { deadline, probeUntil });
    return { deadline, probeUntil, outcome };
  }

  #recordPrefix(): string {
    return `${this.#prefix}target:`;
  }

  #record(targetId: string): string {
    return this.#recordPrefix() + targetId;
  }

  #index(): string {
    return `${this.#prefix}index`;
  }
}
