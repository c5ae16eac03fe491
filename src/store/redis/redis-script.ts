import type { Redis } from 'ioredis';

export type RedisScript = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

/**
 * A Lua script called by its SHA (EVALSHA; ioredis loads it on a NOSCRIPT answer), so the script's text
 * crosses the wire once per connection instead of on every call.
 */
export function defineScript(redis: Redis, name: string, lua: string): RedisScript {
  redis.defineCommand(name, { lua });
  const command = (redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
  if (!command) throw new Error(`ioredis did not define the script command '${name}'`);
  return (keys, args) => command.call(redis, keys.length, ...keys, ...args);
}
