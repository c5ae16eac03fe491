import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isWellFormedGatewayKey } from '../../src/keys/gateway-key.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { buildImage, containerTestsSkipReason, freePort, podman, waitForReady, type BuiltImage } from './podman.js';

/**
 * The container image as a self-hoster runs it, built and run with podman on this machine (docs/deploy.md,
 * "Deploy"): no Docker daemon and no registry here, so the Node base is bootstrapped locally
 * (deploy/podman/build-node-base.sh). Containers share the host's network: the machine's PostgreSQL and
 * Redis are on 127.0.0.1, and each gateway listens on a free port of its own (SLUICE_PORT).
 */
const execFileAsync = promisify(execFile);
const skipReason = containerTestsSkipReason();
if (skipReason) console.warn(`[deploy] container tests skipped: ${skipReason}`);

const run = randomUUID().slice(0, 8);
/** One stable tag, kept after the run: the next build reuses its layers instead of writing them again. */
const tag = 'localhost/sluice:test';
const containers: string[] = [];
const volumes: string[] = [];
let built: BuiltImage;
let scratch = '';

function chatOnNewConnection(port: number, token: string, content: string): Promise<number> {
  const body = JSON.stringify({ model: 'haiku', max_tokens: 16, messages: [{ role: 'user', content }] });
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Connections to the gateway's port whose request bytes the gateway has read (ss: Recv-Q 0). */
async function requestsReadBy(port: number): Promise<number> {
  const { stdout } = await execFileAsync('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
  return stdout.split('\n').filter((line) => line.trim().split(/\s+/)[0] === '0').length;
}

/** Healthcheck timers need systemd, which this machine's podman cannot reach: the test runs the check itself. */
const noHealthTimer = ['--health-interval', 'disable'];

async function startContainer(name: string, port: number, options: string[], command: string[] = []): Promise<string> {
  containers.push(name);
  await podman(['run', '--detach', '--name', name, '--network', 'host', ...noHealthTimer, '-e', `SLUICE_PORT=${port}`, ...options, tag, ...command]);
  await waitForReady(`http://127.0.0.1:${port}/readyz`, name);
  return `http://127.0.0.1:${port}`;
}

function chat(url: string, token: string, content = 'hello from a container'): Promise<number> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'haiku', max_tokens: 16, messages: [{ role: 'user', content }] }),
  }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });
}

describe.skipIf(skipReason !== undefined)('the container image (podman)', () => {
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sluice-container-'));
    built = await buildImage(tag);
    console.log(
      `[deploy] image ${tag}: ${(built.sizeBytes / 1e6).toFixed(0)} MB (base ${built.baseImage}), built in ${built.buildSeconds.toFixed(1)} s`,
    );
  }, 1_200_000);

  afterAll(async () => {
    const cleanupStarted = performance.now();
    await Promise.all(containers.map((name) => podman(['rm', '--force', '--time', '0', name]).catch(() => undefined)));
    await Promise.all(volumes.map((name) => podman(['volume', 'rm', '--force', name]).catch(() => undefined)));
    if (scratch) await rm(scratch, { recursive: true, force: true });
    console.log(`[deploy] cleanup took ${((performance.now() - cleanupStarted) / 1000).toFixed(1)} s`);
  }, 120_000);

  it('is small, runs as non-root, and a command after the image runs instead of the server', async () => {
    expect(built.sizeBytes).toBeLessThan(250e6);
    const inspected = JSON.parse(await podman(['image', 'inspect', tag])) as Array<{
      Config: { User: string; WorkingDir: string; ExposedPorts: Record<string, unknown>; Volumes: Record<string, unknown>; StopSignal: string; Cmd: string[] };
      Healthcheck?: { Test: string[] };
    }>;
    const config = inspected[0]!.Config;
    expect(config.User).toBe('10001:10001');
    expect(config.WorkingDir).toBe('/app');
    expect(Object.keys(config.ExposedPorts)).toEqual(['8422/tcp']);
    expect(Object.keys(config.Volumes)).toEqual(['/data']);
    expect(config.StopSignal).toBe('SIGTERM');
    expect(config.Cmd).toEqual(['sluice', 'serve', '--host', '0.0.0.0']);
    expect(inspected[0]!.Healthcheck?.Test.join(' ')).toContain('/readyz');

    expect((await podman(['run', '--rm', tag, 'sluice', '--version'])).trim()).toBe('0.1.0');
    expect((await podman(['run', '--rm', tag, 'id', '-u'])).trim()).toBe('10001');
    const generated = (await podman(['run', '--rm', tag, 'sluice', 'keys', 'generate'])).trim();
    expect(isWellFormedGatewayKey(generated)).toBe(true);

    const volume = `sluice-test-keys-${run}`;
    volumes.push(volume);
    const issued = (await podman(['run', '--rm', '-v', `${volume}:/data`, tag, 'sluice', 'keys', 'issue', '--name', 'ci'])).trim();
    expect(isWellFormedGatewayKey(issued)).toBe(true);
    const listed = JSON.parse(await podman(['run', '--rm', '-v', `${volume}:/data`, tag, 'sluice', 'keys', 'list', '--json'])) as Array<{ name: string }>;
    expect(listed.map((key) => key.name)).toEqual(['ci']);
  }, 180_000);

  it('serves on its embedded defaults from a /data volume, drains on SIGTERM as PID 1, and keeps every row across a restart', async () => {
    const adminKey = (await podman(['run', '--rm', tag, 'sluice', 'keys', 'generate'])).trim();
    const volume = `sluice-test-data-${run}`;
    volumes.push(volume);
    const name = `sluice-test-single-${run}`;
    const port = await freePort();
    const url = await startContainer(name, port, ['-v', `${volume}:/data`, '-e', `SLUICE_ADMIN_KEY=${adminKey}`]);

    // PID 1 is Node running the server itself, so SIGTERM reaches Sluice's own stop handler.
    expect(await podman(['exec', name, 'cat', '/proc/1/cmdline'])).toMatch(/^node\0.*sluice\0serve/);
    expect((await podman(['healthcheck', 'run', name]).then(() => 'healthy', (error: Error) => error.message)).trim()).toBe('healthy');

    expect(await chat(url, adminKey)).toBe(200);
    // 24 calls the mock answers after 2 s; SIGTERM arrives once Sluice has read all 24 (the kernel holds
    // no unread byte of theirs): each must be answered and its usage row stored before the process ends.
    // Each on a connection of its own (fetch would share some); the idle ones fetch left open count too.
    const idle = await requestsReadBy(port);
    const inFlight = Array.from({ length: 24 }, () => chatOnNewConnection(port, adminKey, 'slow [[mock {"delayMs": 2000}]]').catch(() => 0));
    await vi.waitFor(async () => expect(await requestsReadBy(port)).toBe(idle + 24), { timeout: 10_000, interval: 50 });
    const stopped = podman(['stop', '--time', '30', name], { timeoutMs: 60_000 });
    expect(await Promise.all(inFlight)).toEqual(Array(24).fill(200));
    await stopped;
    expect((await podman(['inspect', '--format', '{{.State.ExitCode}}', name])).trim()).toBe('0');
    const logs = await podman(['logs', name]);
    // JSON lines only, and the admin key never in them.
    const lines = logs.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    expect(logs).not.toContain(adminKey);
    expect(logs).toMatch(/stored the key from SLUICE_ADMIN_KEY/);
    expect(logs).toMatch(/"signal":"SIGTERM"/);

    await podman(['start', name]);
    await waitForReady(`${url}/readyz`, name);
    const usage = JSON.parse(await podman(['exec', name, 'sluice', 'usage', '--by', 'key', '--json'])) as Array<{ requests: number }>;
    expect(usage.map((row) => row.requests)).toEqual([25]);
    // The stored key still works after the restart, and the restart did not store it twice.
    expect(await chat(url, adminKey)).toBe(200);
    const keys = JSON.parse(await podman(['exec', name, 'sluice', 'keys', 'list', '--json'])) as Array<{ name: string; role: string }>;
    expect(keys).toEqual([expect.objectContaining({ name: 'first-key', role: 'admin' })]);
  }, 180_000);

  it('runs two instances on the machine’s PostgreSQL and Redis: one rate limit, one revocation, metrics from each', async (context) => {
    const database = await createTestDatabase();
    if ('skipReason' in database) {
      console.warn(`[deploy] two-instance test skipped: ${database.skipReason}`);
      context.skip();
      return;
    }
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    try {
      const adminKey = (await podman(['run', '--rm', tag, 'sluice', 'keys', 'generate'])).trim();
      const metricsKey = (await podman(['run', '--rm', tag, 'sluice', 'keys', 'generate'])).trim();
      // The rest of the settings from a mounted sluice.yaml, as a deployment's ConfigMap would give it.
      // Readable by the image's unprivileged user, as a Kubernetes ConfigMap is.
      await chmod(scratch, 0o755);
      await writeFile(join(scratch, 'sluice.yaml'), ['mock: on', 'redis: { instances: 2 }', ''].join('\n'), { mode: 0o644 });
      const shared = [
        '-e', `SLUICE_DATABASE_URL=${database.url}`,
        '-e', `SLUICE_REDIS_URL=${redisUrl}`,
        '-e', `SLUICE_ADMIN_KEY=${adminKey}`,
        '-e', `SLUICE_METRICS_KEY=${metricsKey}`,
        '-e', 'SLUICE_MASTER_KEY=' + 'ab'.repeat(32),
        '-e', 'SLUICE_CONFIG=/etc/sluice/sluice.yaml',
        '-v', `${scratch}:/etc/sluice:ro`,
        // As the Kubernetes manifests run it: nothing written outside /data and /tmp.
        '--read-only',
      ];
      const [firstName, secondName] = [`sluice-test-pg-a-${run}`, `sluice-test-pg-b-${run}`];
      // Each its own /data (the spool); a named volume starts out owned by the image's user.
      volumes.push(`${firstName}-data`, `${secondName}-data`);
      // Both start at once on an empty database: one stores each key, the other finds it stored.
      const [first, second] = await Promise.all([
        startContainer(firstName, await freePort(), [...shared, '-v', `${firstName}-data:/data`]),
        startContainer(secondName, await freePort(), [...shared, '-v', `${secondName}-data:/data`]),
      ]);

      /**
       * Windows are minutes on Redis's clock, which a test cannot move: a burst counted in two windows (it
       * straddled a minute) is run again with a fresh key, and two bursts of a second cannot both straddle one.
       */
      const redis = new Redis(redisUrl);
      const burst = async (attempt: number) => {
        const name = `limited-${run}-${attempt}`;
        const token = (await podman(['exec', firstName, 'sluice', 'keys', 'issue', '--name', name, '--rpm', '10'])).trim();
        expect(isWellFormedGatewayKey(token)).toBe(true);
        // Refused (401) until the second instance has loaded the key; the call that passes counts.
        const statuses: number[] = [];
        await vi.waitFor(
          async () => {
            const status = await chat(second, token);
            expect(status).not.toBe(401);
            statuses.push(status);
          },
          { timeout: 10_000, interval: 100 },
        );
        for (let index = 0; index < 15; index++) statuses.push(await chat(index % 2 === 0 ? first : second, token));
        const keys = JSON.parse(await podman(['exec', secondName, 'sluice', 'keys', 'list', '--json'])) as Array<{ id: string; name: string }>;
        const windows = await redis.keys(`sluice:limits:requests:key:${keys.find((key) => key.name === name)!.id}:*`);
        return { statuses, windows, token };
      };
      let outcome: Awaited<ReturnType<typeof burst>>;
      try {
        outcome = await burst(0);
        if (outcome.windows.length > 1) outcome = await burst(1);
      } finally {
        redis.disconnect();
      }
      expect(outcome.windows).toHaveLength(1);
      expect(outcome.statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(outcome.statuses.filter((status) => status === 429)).toHaveLength(6);
      const token = outcome.token;

      // Each instance stored nothing twice, whichever won the race to store a key.
      const keys = JSON.parse(await podman(['exec', secondName, 'sluice', 'keys', 'list', '--json'])) as Array<{ name: string; role: string }>;
      expect(keys.filter((key) => !key.name.startsWith('limited-')).map((key) => `${key.name}:${key.role}`).sort()).toEqual(['first-key:admin', 'metrics:metrics']);

      const other = (await podman(['exec', secondName, 'sluice', 'keys', 'issue', '--name', `revoked-${run}`])).trim();
      await vi.waitFor(async () => expect([await chat(first, other), await chat(second, other)]).toEqual([200, 200]), { timeout: 10_000, interval: 100 });
      await podman(['exec', secondName, 'sluice', 'keys', 'revoke', `revoked-${run}`]);
      await vi.waitFor(async () => expect([await chat(first, other), await chat(second, other)]).toEqual([401, 401]), { timeout: 10_000, interval: 100 });

      for (const url of [first, second]) {
        const refused = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        expect(refused.status).toBe(403);
        const scraped = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsKey}` } });
        expect(scraped.status).toBe(200);
        expect(await scraped.text()).toMatch(/^# HELP sluice_/m);
      }
    } finally {
      await database.drop();
    }
  }, 240_000);
});
