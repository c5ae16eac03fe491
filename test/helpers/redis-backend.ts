import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * The machine's real Redis for the distributed-backend tests (`REDIS_URL`, set by .ci/run). Without one the
 * tests skip and say why; they never run against a mock of Redis.
 */
export async function connectTestRedis(): Promise<{ redis: Redis; prefix: string } | { skipReason: string }> {
  const url = process.env.REDIS_URL;
  if (!url) return { skipReason: 'REDIS_URL is not set; the Redis backend tests need a real Redis server' };
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 1, commandTimeout: 1_000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    return { skipReason: `Redis at ${url} is unreachable (${(error as Error).message})` };
  }
  // A private key prefix per run: test files run in parallel against the one server.
  return { redis, prefix: `sluice-test:${randomUUID()}:` };
}
