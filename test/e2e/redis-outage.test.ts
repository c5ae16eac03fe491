import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Redis stopped mid-run: a private redis-server on a spare port is started, killed and started again while
 * a gateway keeps serving. Skips, saying why, where redis-server is not installed.
 */
const redisServer = spawnSync('which', ['redis-server'], { encoding: 'utf8' }).stdout.trim();
let redis: ChildProcess | undefined;
let port = 0;

async function sparePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      server.close(() => resolve(address.port));
    });
  });
}

async function startRedis(): Promise<void> {
  redis = spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await vi.waitFor(
      async () => {
        if (client.status !== 'ready') await client.connect().catch(() => undefined);
        expect(await client.ping()).toBe('PONG');
      },
      { timeout: 5_000, interval: 100 },
    );
  } finally {
    client.disconnect();
  }
}

async function stopRedis(): Promise<void> {
  // A process killed by a signal keeps exitCode null: without the signalCode check a second stop would wait forever.
  if (!redis || redis.exitCode !== null || redis.signalCode !== null) return;
  const exited = new Promise((resolve) => redis!.on('exit', resolve));
  redis.kill('SIGKILL');
  await exited;
}

describe.skipIf(!redisServer)(`Redis outage${redisServer ? '' : ' (skipped: redis-server is not installed)'}`, () => {
  let harness: TestGateway;
  let token = '';
  // The fallback's in-process windows run on this clock, so the whole outage falls in one window.
  const clock = new ManualClock();

  beforeAll(async () => {
    port = await sparePort();
    await startRedis();
    harness = await startTestGateway({ redis: { url: `redis://127.0.0.1:${port}`, instances: 2 } }, { clock: clock.now });
    token = await harness.issueKey({ name: 'outage', limits: { requestsPerMinute: 20 } });
  });

  afterAll(async () => {
    await harness?.close();
    await stopRedis();
  });

  const timedCall = async () => {
    const started = performance.now();
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.arrayBuffer();
    return { status: response.status, elapsedMs: performance.now() - started, remaining: response.headers.get('x-ratelimit-remaining-requests') };
  };

  it('keeps serving on this instance\'s share of the limit, with bounded latency, and recovers when Redis returns', async () => {
    expect((await timedCall()).status).toBe(200);
    // The outage starts in a fresh window of the local fallback, whichever counters served the call before it.
    clock.advance(60_000);

    await stopRedis();
    const during = [];
    for (let index = 0; index < 15; index++) during.push(await timedCall());
    // The key allows 20 a minute across 2 instances: alone, this one allows its share of 10.
    expect(during.filter((call) => call.status === 200)).toHaveLength(10);
    expect(during.filter((call) => call.status === 429)).toHaveLength(5);
    expect(during.map((call) => call.remaining).slice(0, 10)).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0']);
    expect(Math.max(...during.map((call) => call.elapsedMs))).toBeLessThan(500);

    await startRedis();
    // The restarted Redis is empty: counters appear in it only once the gateway uses it again, unrestarted.
    const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await vi.waitFor(
        async () => {
          expect((await timedCall()).status).toBeLessThan(500);
          expect(await client.keys('sluice:limits:*')).not.toHaveLength(0);
        },
        { timeout: 5_000, interval: 100 },
      );
    } finally {
      client.disconnect();
    }
    // Back on the shared count: a fresh Redis window, whatever the local one had used.
    const shared = await timedCall();
    expect(shared.status).toBe(200);
    expect(Number(shared.remaining)).toBeGreaterThan(10);
  });
});
