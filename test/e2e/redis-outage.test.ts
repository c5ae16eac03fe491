import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Redis stopped mid-run: a private redis-server on a spare port is started, killed and started again while
 * a gateway keeps serving. Skips, saying why, where redis-server is not installed.
 */
const redisServer = spawnSync('which', ['redis-server'], { encoding: 'utf8' }).stdout.trim();
const cli = join(process.cwd(), 'dist/src/cli/main.js');
let redis: ChildProcess | undefined;
let gateway: ChildProcess | undefined;
let dataDir = '';
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
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch {
      client.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('private redis-server did not start');
}

async function stopRedis(): Promise<void> {
  if (!redis || redis.exitCode !== null) return;
  const exited = new Promise((resolve) => redis!.on('exit', resolve));
  redis.kill('SIGKILL');
  await exited;
}

describe.skipIf(!redisServer)(`Redis outage${redisServer ? '' : ' (skipped: redis-server is not installed)'}`, () => {
  let url = '';
  let token = '';

  beforeAll(async () => {
    port = await sparePort();
    await startRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-outage-'));
    const configPath = join(dataDir, 'sluice.yaml');
    await writeFile(configPath, [`dataDir: ${dataDir}`, 'server: { port: 0 }', 'logLevel: error', 'mock: on', `redis: { url: "redis://127.0.0.1:${port}", instances: 2 }`, ''].join('\n'));
    const issued = spawnSync(process.execPath, [cli, 'keys', 'issue', '--name', 'outage', '--rpm', '20', '--config', configPath], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    token = issued.stdout.trim();
    gateway = spawn(process.execPath, [cli, 'serve', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    url = await new Promise((resolve, reject) => {
      let output = '';
      gateway!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      gateway!.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
  });

  afterAll(async () => {
    gateway?.kill('SIGKILL');
    await stopRedis();
    await rm(dataDir, { recursive: true, force: true });
  });

  const timedCall = async () => {
    const started = performance.now();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.arrayBuffer();
    return { status: response.status, elapsedMs: performance.now() - started, remaining: response.headers.get('x-ratelimit-remaining-requests') };
  };

  it('keeps serving on this instance\'s share of the limit, with bounded latency, and recovers when Redis returns', async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 200));
    expect((await timedCall()).status).toBe(200);

    await stopRedis();
    const during = [];
    for (let index = 0; index < 15; index++) during.push(await timedCall());
    // The key allows 20 a minute across 2 instances: alone, this one allows its share of 10.
    expect(during.filter((call) => call.status === 200)).toHaveLength(10);
    expect(during.filter((call) => call.status === 429)).toHaveLength(5);
    expect(Math.max(...during.map((call) => call.elapsedMs))).toBeLessThan(500);

    await startRedis();
    // The restarted Redis is empty: counters appear in it only once the gateway uses it again, unrestarted.
    const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    let recovered = false;
    for (let attempt = 0; attempt < 50 && !recovered; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await timedCall()).status).toBeLessThan(500);
      recovered = (await client.keys('sluice:limits:*')).length > 0;
    }
    client.disconnect();
    expect(recovered).toBe(true);
  });
});
