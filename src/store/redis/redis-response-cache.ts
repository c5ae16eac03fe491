import type { Redis } from 'ioredis';
import type { CachedAnswer, ResponseCache } from '../../cache/response-cache.js';

/** Cached answers shared by every instance, expiring in Redis itself. */
export class RedisResponseCache implements ResponseCache {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'sluice:cache:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const stored = await this.#redis.get(this.#prefix + key);
    return stored ? (JSON.parse(stored) as CachedAnswer) : undefined;
  }

  async set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, JSON.stringify(answer), 'PX', ttlMs);
  }
}
