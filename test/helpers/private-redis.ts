import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../bench/private-redis.js';
import { Redis } from 'ioredis';

/**
 * A redis-server of the test's own, for counts read off `INFO commandstats`, which are server-wide: on the
 * shared server, test files running in parallel would add their commands to ours. Needs `redis-server` on
 * the PATH (the machine that runs the suite has it, next to the shared server); without it the test skips
 * and says why.
 */
export interface PrivateRedis {
  url: string;
  /** A connection of the test's own, for INFO. */
  redis: Redis;
  /** Commands executed so far, by name (`INFO commandstats`), scripts' own included. */
  commandCounts(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis | { skipReason: string }> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const spawnError = once(child, 'error').then(([error]) => error as Error);
  const url = `redis://127.0.0.1:${port}`;
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refused while the server starts: the loop below tries again.
  redis.on('error', () => undefined);
  const connected = (async () => {
    // The server takes a moment to listen: try until it answers.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await redis.connect();
        await redis.ping();
        return true;
      } catch {
        redis.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    return false;
  })();
  const outcome = await Promise.race([connected, spawnError]);
  if (outcome !== true) {
    child.kill('SIGKILL');
    return { skipReason: outcome === false ? `redis-server on port ${port} never answered` : `redis-server could not start (${outcome.message})` };
  }
  return {
    url,
    redis,
    async commandCounts() {
      const text = await redis.info('commandstats');
      const counts = new Map<string, number>();
      for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts.set(match[1]!, Number(match[2]));
      return counts;
    },
    async close() {
      redis.disconnect();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
