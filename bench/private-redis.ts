import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { log } from './log.js';

/**
 * A Redis of the bench's own (`redis-server` on a free port, nothing saved to disk), pinned like the
 * upstream: its INFO commandstats then count only the bench's gateway, not whatever else on the machine
 * shares the usual Redis. Undefined when `redis-server` is not installed.
 */
export async function startPrivateRedis(cpus: string): Promise<{ url: string; redis: Redis; stop(): void } | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    log('no redis-server on this machine: the one-core Redis figures are skipped');
    return undefined;
  }
  const port = await freePort();
  const child: ChildProcess = spawn('taskset', ['-c', cpus, 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const stop = () => void (child.exitCode === null && child.kill('SIGKILL'));
  process.on('exit', stop);
  const url = `redis://127.0.0.1:${port}`;
  return { url, redis: await connectWhenUp(url), stop };
}

/** redis-server takes a moment to listen: tries for up to 5 s. */
async function connectWhenUp(url: string): Promise<Redis> {
  for (let attempt = 0; ; attempt++) {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      return redis;
    } catch (error) {
      redis.disconnect();
      if (attempt >= 50) throw error;
      await sleep(100);
    }
  }
}

/** A port nothing listens on now (the kernel's pick), for a server started next. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** `INFO commandstats` as calls per command (`evalsha`, `get`, …). Commands a script runs are counted too. */
export async function readCommandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

/** Per command, how many more calls `after` has than `before`; the bench's own INFO calls left out. */
export function commandStatsDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [command, calls] of after) {
    if (command === 'info') continue;
    const added = calls - (before.get(command) ?? 0);
    if (added > 0) delta.set(command, added);
  }
  return delta;
}

/** Commands a client sends to run a script: each is one command on the wire, whatever the script calls. */
export const scriptCommands = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);
