import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { issueGatewayKey } from '../../src/keys/issue-gateway-key.js';
import { startGateway, type RunningGateway } from '../../src/server/start-gateway.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * PostgreSQL cut off mid-run: the gateway reaches the machine's real PostgreSQL (a private schema) through a
 * TCP proxy this file owns, which resets every connection and refuses new ones, then lets them through again,
 * while requests flow. Skips, saying why, without DATABASE_URL.
 */
const database = await createTestDatabase();
const skipReason = 'skipReason' in database ? database.skipReason : undefined;
if (skipReason) console.warn(`[postgres outage] skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(`PostgreSQL outage${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let proxy: TcpProxy;
  /** The schema's URL through the proxy. */
  let proxiedUrl = '';
  /** A connection straight to PostgreSQL, for checking what reached it. */
  let direct: pg.Client;
  const crashes: unknown[] = [];
  const recordCrash = (error: unknown) => crashes.push(error);

  beforeAll(async () => {
    if (!('url' in database)) return;
    const url = new URL(database.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    proxiedUrl = url.toString();
    direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
    // Node ends a process on these; here they would only be reported, so count them and assert none happened.
    process.on('uncaughtException', recordCrash);
    process.on('unhandledRejection', recordCrash);
  });

  afterAll(async () => {
    process.off('uncaughtException', recordCrash);
    process.off('unhandledRejection', recordCrash);
    await direct?.end();
    await proxy?.close();
    if ('url' in database) await database.drop();
  });

  async function startOutageGateway(dataDir: string): Promise<RunningGateway> {
    const config = parseConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        dataDir,
        mock: 'on',
        logLevel: 'silent',
        database: { url: proxiedUrl },
        keys: { refreshIntervalMs: 100 },
        // A small queue, so a short cut also fills the spool on disk.
        usage: { flushIntervalMs: 50, batchSize: 10, maxQueuedRows: 20 },
        limits: { defaults: { key: { requestsPerMinute: 0 } } },
      },
      {},
    );
    return startGateway({ config, env: {} });
  }

  const call = async (url: string, token: string) => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    return { status: response.status, id: response.headers.get('x-sluice-request-id') ?? '', code: body.error?.code };
  };

  const readiness = async (url: string) => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const storedIds = async (keyId: string) =>
    (await direct.query<{ id: string }>('SELECT id FROM usage_rows WHERE key_id = $1', [keyId])).rows.map((row) => row.id).sort();

  const spoolFiles = async (dataDir: string) => (await readdir(join(dataDir, 'usage-spool')).catch(() => [] as string[])).filter((name) => name.endsWith('.jsonl'));

  it('a pooled connection lost while idle is not fatal; queries fail as store_unavailable during the cut and work after', async () => {
    const store = await PostgresStore.open(proxiedUrl, { queryTimeoutMs: 5_000 });
    try {
      await Promise.all([store.listKeys(), store.listKeys()]);
      expect(store.idleConnections).toBeGreaterThan(0);
      proxy.cut();
      // The pool notices the reset on its idle connections (the 'error' event that used to end the process).
      await expect.poll(() => store.idleConnections, { timeout: 5_000 }).toBe(0);
      await expect(store.listKeys()).rejects.toMatchObject({ code: 'store_unavailable', status: 503 });
      proxy.restore();
      await expect(store.listKeys()).resolves.toEqual(expect.any(Array));
    } finally {
      proxy.restore();
      await store.close();
    }
    expect(crashes).toEqual([]);
  });

  it('a NUL character a caller put in a usage field does not fail its batch (PostgreSQL text cannot hold one)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pg-outage-'));
    const gateway = await startOutageGateway(dataDir);
    try {
      const { token, key } = await issueGatewayKey(gateway.services.store, { name: 'nul-caller' });
      await gateway.services.keyView.reload();
      const odd = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-echo', user: 'end-\u0000user', messages: [{ role: 'user', content: 'hello' }] }),
      });
      await odd.arrayBuffer();
      expect(odd.status).toBe(200);
      const plain = await call(gateway.url, token);
      expect(plain.status).toBe(200);
      await expect.poll(() => storedIds(key.id), { timeout: 10_000 }).toEqual([odd.headers.get('x-sluice-request-id'), plain.id].sort());
      const stored = await direct.query<{ requester: string }>('SELECT requester FROM usage_rows WHERE id = $1', [odd.headers.get('x-sluice-request-id')]);
      expect(stored.rows[0]?.requester).toBe('end-\uFFFDuser');
    } finally {
      await gateway.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps answering through a cut, reports degraded, refuses admin writes with 503, and stores every row exactly once after', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pg-outage-'));
    const gateway = await startOutageGateway(dataDir);
    try {
      const { token, key } = await issueGatewayKey(gateway.services.store, { name: 'outage-caller' });
      const { token: adminToken } = await issueGatewayKey(gateway.services.store, { name: 'outage-admin', role: 'admin' });
      // Its spend this day is read from the database on its first call, which comes during the cut.
      const budgeted = await issueGatewayKey(gateway.services.store, { name: 'outage-budgeted', limits: { budget: { period: 'day', hardUsd: 100 } } });
      await gateway.services.keyView.reload();
      const ids: string[] = [];

      const before = await Promise.all(Array.from({ length: 10 }, () => call(gateway.url, token)));
      expect(before.map((result) => result.status)).toEqual(Array(10).fill(200));
      ids.push(...before.map((result) => result.id));
      await expect.poll(() => storedIds(key.id), { timeout: 10_000 }).toHaveLength(10);
      await expect.poll(async () => (await readiness(gateway.url)).status, { timeout: 10_000 }).toBe(200);

      proxy.cut();
      // Requests flow, four at a time, for as long as the cut lasts.
      const during: Array<{ status: number; id: string }> = [];
      let cutOver = false;
      const load = Promise.all(
        Array.from({ length: 4 }, async () => {
          while (!cutOver) during.push(await call(gateway.url, token));
        }),
      );

      await expect.poll(async () => (await readiness(gateway.url)).body, { timeout: 10_000 }).toMatchObject({ status: 'degraded', store: 'degraded' });
      expect((await readiness(gateway.url)).status).toBe(503);
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);

      const refused = await fetch(`${gateway.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'issued-during-the-cut' }),
      });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
      // What needs the database itself answers 503 in the caller's shape, never 500.
      expect(await call(gateway.url, budgeted.token)).toMatchObject({ status: 503, code: 'store_unavailable' });
      const usage = await fetch(`${gateway.url}/v1/usage`, { headers: { authorization: `Bearer ${token}` } });
      expect(usage.status).toBe(503);
      expect(((await usage.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');

      // Past the queue's 20 rows, rows go to the spool file in the data directory.
      await expect.poll(async () => (await readiness(gateway.url)).body.spooledRows, { timeout: 10_000 }).toBeGreaterThan(0);
      await expect.poll(() => during.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(60);
      const degraded = (await readiness(gateway.url)).body;
      expect(Number(degraded.queuedRows)).toBeLessThanOrEqual(20);
      cutOver = true;
      await load;
      expect(during.filter((result) => result.status !== 200)).toEqual([]);
      ids.push(...during.map((result) => result.id));

      proxy.restore();
      const after = await Promise.all(Array.from({ length: 10 }, () => call(gateway.url, token)));
      expect(after.map((result) => result.status)).toEqual(Array(10).fill(200));
      ids.push(...after.map((result) => result.id));

      await expect.poll(async () => readiness(gateway.url), { timeout: 15_000 }).toMatchObject({
        status: 200,
        body: { status: 'ready', store: 'ok', queuedRows: 0, spooledRows: 0, droppedRows: 0 },
      });
      // None lost, none twice: exactly the request ids the callers saw, each once.
      await expect.poll(() => storedIds(key.id), { timeout: 15_000 }).toHaveLength(ids.length);
      expect(await storedIds(key.id)).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
      expect(await spoolFiles(dataDir)).toEqual([]);

      const issued = await fetch(`${gateway.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'issued-after-the-cut' }),
      });
      expect(issued.status).toBe(201);
      expect(await call(gateway.url, budgeted.token)).toMatchObject({ status: 200 });
    } finally {
      proxy.restore();
      await gateway.close();
      await rm(dataDir, { recursive: true, force: true });
    }
    expect(crashes).toEqual([]);
  });

  it('a clean stop while PostgreSQL is down spools every queued row, and the next start replays them', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pg-outage-'));
    let second: RunningGateway | undefined;
    try {
      const first = await startOutageGateway(dataDir);
      const { token, key } = await issueGatewayKey(first.services.store, { name: 'stopped-caller' });
      await first.services.keyView.reload();
      proxy.cut();
      await expect.poll(async () => (await readiness(first.url)).body.store, { timeout: 10_000 }).toBe('degraded');
      const calls = await Promise.all(Array.from({ length: 15 }, () => call(first.url, token)));
      expect(calls.map((result) => result.status)).toEqual(Array(15).fill(200));
      await first.close();

      // Every row is in the spool, as one JSON line each.
      const files = await spoolFiles(dataDir);
      const lines = (await Promise.all(files.map((name) => readFile(join(dataDir, 'usage-spool', name), 'utf8'))))
        .join('')
        .split('\n')
        .filter((line) => line !== '');
      expect(lines.map((line) => (JSON.parse(line) as { id: string }).id).sort()).toEqual(calls.map((result) => result.id).sort());

      proxy.restore();
      second = await startOutageGateway(dataDir);
      await expect.poll(() => storedIds(key.id), { timeout: 15_000 }).toEqual(calls.map((result) => result.id).sort());
      await expect.poll(() => spoolFiles(dataDir), { timeout: 5_000 }).toEqual([]);
    } finally {
      proxy.restore();
      await second?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
    expect(crashes).toEqual([]);
  });
});
