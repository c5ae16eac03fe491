import { Redis } from 'ioredis';
import { log } from './log.js';

/**
 * The Redis the distributed scenarios use: REDIS_URL, else the usual local port. Without one those scenarios
 * are skipped, and the report says so.
 */
export async function connectBenchRedis(): Promise<{ url: string; redis: Redis } | undefined> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    return { url, redis };
  } catch (error) {
    redis.disconnect();
    log(`no Redis at ${url} (${(error as Error).message}): the Redis scenarios are skipped`);
    return undefined;
  }
}
