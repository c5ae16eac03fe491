import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { createLogger } from '../../src/server/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreHealth } from '../../src/store/store-health.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { UsageSpool } from '../../src/usage/usage-spool.js';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import { WorkerUsageSink, type UsageSink } from '../../src/usage/worker-usage-sink.js';
import { testUsageRow } from '../helpers/usage-rows.js';

/**
 * The bounded usage queue, the spool on disk behind it, and its replay. Rows land in a real SQLite store;
 * an outage is a switch in front of it that fails every write the way an unreachable PostgreSQL does.
 */
const logger = createLogger('silent');
let directory = '';
let store: SqliteStore;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-spool-'));
  store = new SqliteStore(join(directory, 'store', 'sluice.db'));
});

afterEach(async () => {
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

function row(index: number, overrides: Partial<UsageRow> = {}): UsageRow {
  return testUsageRow(`row-${String(index).padStart(4, '0')}`, {
    createdAt: 1_700_000_000_000 + index,
    keyId: 'key_spool',
    tags: ['spooled'],
    inputTokens: 3,
    outputTokens: 2,
    costUsd: 0.001,
    latencyMs: 5,
    timeToFirstByteMs: 2,
    ...overrides,
  });
}

const rows = (count: number, from = 0) => Array.from({ length: count }, (_, index) => row(from + index));
const ids = (list: readonly UsageRow[]) => list.map((item) => item.id).sort();

/** The real store behind a switch: while `down`, every write fails as an unreachable database does. */
class OutageSwitch implements UsageSink {
  down = false;
  constructor(private readonly target: SqliteStore) {}
  async recordUsage(batch: readonly UsageRow[]): Promise<void> {
    if (this.down) throw new GatewayError('store_unavailable', 'connection refused');
    await this.target.recordUsage(batch);
  }
}

const storedIds = async () => (await store.recentUsage({ limit: 10_000 })).map((item) => item.id).sort();
const spoolDirectory = () => join(directory, 'usage-spool');
const spoolLines = async () => {
  const names = (await readdir(spoolDirectory()).catch(() => [] as string[])).filter((name) => name.endsWith('.jsonl'));
  const texts = await Promise.all(names.map((name) => readFile(join(spoolDirectory(), name), 'utf8')));
  return texts.join('').split('\n').filter((line) => line !== '');
};
const openSpool = (maxBytes = 10 * 1024 * 1024) => UsageSpool.open({ directory: spoolDirectory(), maxBytes, logger });

describe('usage spool', () => {
  it('keeps the queue bounded while the store is down, spools the overflow, and stores every row once when it is back', async () => {
    const sink = new OutageSwitch(store);
    sink.down = true;
    const spool = await openSpool();
    const health = new StoreHealth();
    const writer = new UsageWriter({ sink, flushIntervalMs: 10, batchSize: 5, maxQueuedRows: 8, spool, health, logger });
    const written = rows(40);
    for (const item of written) writer.enqueue(item);

    expect(writer.backlog.queuedRows).toBeLessThanOrEqual(8);
    expect(writer.backlog.queuedRows + writer.backlog.spooledRows).toBe(40);
    await expect.poll(async () => (await spoolLines()).length).toBe(writer.backlog.spooledRows);
    await expect.poll(() => health.available).toBe(false);
    expect(await storedIds()).toEqual([]);

    sink.down = false;
    // Retries while down back off up to 2 s.
    await expect.poll(() => writer.backlog, { timeout: 5_000 }).toEqual({ queuedRows: 0, spooledRows: 0, droppedRows: 0 });
    expect(await storedIds()).toEqual(ids(written));
    expect(health.available).toBe(true);
    expect(await spoolLines()).toEqual([]);
    await writer.close();
    await spool.close();
  });

  it('finishes a replay cut off halfway (a crash) on the next start without storing any row twice', async () => {
    const first = await openSpool();
    const written = rows(30);
    await first.append(written);
    let batches = 0;
    // The process dies after the first batch is stored: the file stays, and so does its claim.
    const crashed = first.replay(
      async (batch) => {
        if (batches++ > 0) throw new Error('process killed');
        await store.recordUsage(batch);
      },
      10,
      () => false,
    );
    await expect(crashed).rejects.toThrow('process killed');
    expect(await storedIds()).toHaveLength(10);

    const next = await openSpool();
    expect(next.spooledRows).toBe(30);
    expect(await next.replay((batch) => store.recordUsage(batch), 10, () => false)).toBe(30);
    expect(await storedIds()).toEqual(ids(written));
    expect(next.spooledRows).toBe(0);
    expect(await spoolLines()).toEqual([]);
  });

  it('a clean stop while the store is down spools every queued row, and the next writer replays them', async () => {
    const sink = new OutageSwitch(store);
    sink.down = true;
    const spool = await openSpool();
    const writer = new UsageWriter({ sink, flushIntervalMs: 10, batchSize: 5, maxQueuedRows: 100, spool, logger });
    const written = rows(7);
    for (const item of written) writer.enqueue(item);
    await expect.poll(() => writer.backlog.queuedRows).toBe(7);
    await writer.close();
    await spool.close();
    expect((await spoolLines()).map((line) => (JSON.parse(line) as UsageRow).id).sort()).toEqual(ids(written));

    sink.down = false;
    const restarted = await openSpool();
    expect(restarted.spooledRows).toBe(7);
    const next = new UsageWriter({ sink, flushIntervalMs: 10, batchSize: 5, spool: restarted, logger });
    await expect.poll(() => storedIds(), { timeout: 5_000 }).toEqual(ids(written));
    await expect.poll(() => spoolLines(), { timeout: 5_000 }).toEqual([]);
    await next.close();
    await restarted.close();
  });

  it('skips a row cut short by a crash mid-append, and leaves alone the files of a process still running', async () => {
    await mkdir(spoolDirectory(), { recursive: true });
    const complete = rows(3);
    const torn = JSON.stringify(row(3)).slice(0, 40);
    // Same pid, another run: an earlier run of this process id, as after a container restart.
    await writeFile(join(spoolDirectory(), `usage-${process.pid}-abcdef-000000.jsonl`), `${complete.map((item) => JSON.stringify(item)).join('\n')}\n${torn}`);
    // The parent of this test process is alive: its file is not ours to take.
    const living = `usage-${process.ppid}-abcdef-000000.jsonl`;
    await writeFile(join(spoolDirectory(), living), `${JSON.stringify(row(9))}\n`);

    const spool = await openSpool();
    expect(spool.spooledRows).toBe(3);
    await spool.replay((batch) => store.recordUsage(batch), 10, () => false);
    expect(await storedIds()).toEqual(ids(complete));
    expect(await readdir(spoolDirectory())).toEqual([living]);
  });

  it('lets a spool that died with its process be claimed by the next one', async () => {
    await mkdir(spoolDirectory(), { recursive: true });
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    await writeFile(join(spoolDirectory(), `usage-${deadPid}-abcdef-000003.jsonl`), `${JSON.stringify(row(1))}\n`);
    const spool = await openSpool();
    expect(spool.spooledRows).toBe(1);
    await spool.replay((batch) => store.recordUsage(batch), 10, () => false);
    expect(await storedIds()).toEqual([row(1).id]);
  });

  it('drops rows past maxSpoolBytes and counts them, instead of filling the disk', async () => {
    const oneRow = Buffer.byteLength(`${JSON.stringify(row(0))}\n`);
    const spool = await openSpool(oneRow * 3);
    await spool.append(rows(2));
    await spool.append(rows(2, 2));
    expect(spool.spooledRows).toBe(2);
    expect(spool.droppedRows).toBe(2);
    expect(await spoolLines()).toHaveLength(2);
  });
});

describe('usage writes the store refuses or cannot take', () => {
  it('drops only the row the store refuses; the rest of its batch is stored', async () => {
    const writer = new UsageWriter({ sink: store, flushIntervalMs: 60_000, batchSize: 8, logger });
    const written = rows(8);
    // NOT NULL column: SQLite refuses this row and would refuse it forever.
    written[5] = row(5, { inboundDialect: null as unknown as UsageRow['inboundDialect'] });
    for (const item of written) writer.enqueue(item);
    await writer.flush();
    expect(await storedIds()).toEqual(ids(written.filter((_, index) => index !== 5)));
    expect(writer.backlog).toEqual({ queuedRows: 0, spooledRows: 0, droppedRows: 1 });
    await writer.close();
  });

  it('stores the same rows twice as once (a batch retried after its answer was lost)', async () => {
    const written = rows(4);
    await store.recordUsage(written);
    await store.recordUsage([...written, row(4)]);
    expect(await storedIds()).toEqual(ids([...written, row(4)]));
  });

  it('the writer thread answers when its store cannot be opened, and writes once it can', async () => {
    const blocker = join(directory, 'not-yet-a-directory');
    await writeFile(blocker, '');
    const path = join(blocker, 'sluice.db');
    const sink = new WorkerUsageSink({ store: { kind: 'sqlite', path }, queryTimeoutMs: 5_000, pricing: {}, pricingProviderIds: [], pricingEpoch: 0 });
    try {
      await expect(sink.recordUsage(rows(2))).rejects.toThrow();
      await rm(blocker);
      await sink.recordUsage(rows(2));
      const reopened = new SqliteStore(path);
      expect((await reopened.recentUsage({ limit: 10 })).map((item) => item.id).sort()).toEqual(ids(rows(2)));
      await reopened.close();
    } finally {
      await sink.close();
    }
  });
});
