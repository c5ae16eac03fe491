import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { createLogger } from '../../src/server/logger.js';
import { openStore, type StoreLocation } from '../../src/store/open-store.js';
import type { AttemptRecord } from '../../src/domain/attempt-record.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { UsageSpool } from '../../src/usage/usage-spool.js';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import { WorkerUsageSink, type UsageSink } from '../../src/usage/worker-usage-sink.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { testAttempt, testUsageRow } from '../helpers/usage-rows.js';

/**
 * The attempt trail on the way to the store: through the writer thread, held in the spool while the
 * database is away and replayed when it is back, on SQLite and on the real PostgreSQL.
 */
const logger = createLogger('silent');
const directory = await mkdtemp(join(tmpdir(), 'sluice-trail-spool-'));
const postgres = await createTestDatabase();
const locations: Array<{ name: string; location: StoreLocation }> = [{ name: 'sqlite', location: { kind: 'sqlite', path: join(directory, 'trail.db') } }];
if ('url' in postgres) locations.push({ name: 'postgres', location: { kind: 'postgres', url: postgres.url } });
else console.warn(`[usage trail spool] skipping PostgreSQL: ${postgres.skipReason}`);

afterAll(async () => {
  if ('url' in postgres) await postgres.drop();
  await rm(directory, { recursive: true, force: true });
});

function attempt(target: string, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return testAttempt(target, { timeToFirstByteMs: 80.5, durationMs: 400.25, ...overrides });
}

function row(id: string): UsageRow {
  return testUsageRow(id, {
    createdAt: 1_750_000_000_000,
    keyId: 'key_trail',
    inboundDialect: 'anthropic-messages',
    provider: 'anthropic',
    requestedModel: 'fast',
    upstreamModel: 'claude-haiku-4-5',
    stream: true,
    inputTokens: 12,
    outputTokens: 7,
    costUsd: 0.002,
    latencyMs: 450.5,
    timeToFirstByteMs: 81,
    groupName: 'fast',
    policy: 'failover',
    attempts: 2,
    fallback: true,
    queueWaitMs: 3.5,
    attemptTrail: [
      attempt('openai:gpt-4o-mini', { statusCode: 503, errorCode: 'upstream_error', retryAfterMs: 60_000, timeToFirstByteMs: 2.5, durationMs: 3 }),
      attempt('anthropic:claude-haiku-4-5'),
    ],
  });
}

/** The writer thread behind a switch: while `down`, every write fails as an unreachable database does. */
class OutageSwitch implements UsageSink {
  down = true;
  constructor(private readonly target: UsageSink) {}
  async recordUsage(batch: readonly UsageRow[]): Promise<void> {
    if (this.down) throw new GatewayError('store_unavailable', 'connection refused');
    await this.target.recordUsage(batch);
  }
}

describe.each(locations)('$name', ({ name, location }) => {
  it('rows spooled during an outage keep their attempt trail through the replay and the writer thread', async () => {
    const store = await openStore(location);
    const thread = new WorkerUsageSink({ store: location, queryTimeoutMs: 5_000, pricing: {}, pricingProviderIds: [], pricingEpoch: 0 });
    const sink = new OutageSwitch(thread);
    const spool = await UsageSpool.open({ directory: join(directory, `spool-${name}`), maxBytes: 1024 * 1024, logger });
    const writer = new UsageWriter({ sink, flushIntervalMs: 10, batchSize: 4, maxQueuedRows: 4, spool, logger });
    try {
      const written = Array.from({ length: 12 }, (_, index) => row(`${name}-spooled-${String(index).padStart(2, '0')}`));
      for (const item of written) writer.enqueue(item);
      await expect.poll(() => spool.spooledRows).toBeGreaterThan(0);

      sink.down = false;
      await expect.poll(() => writer.backlog, { timeout: 5_000 }).toEqual({ queuedRows: 0, spooledRows: 0, droppedRows: 0 });
      for (const item of written) expect(await store.usageAttempts(item.id)).toEqual(item.attemptTrail);
      const stored = await store.recentUsage({ limit: 12 });
      expect(stored.map((item) => item.id).sort()).toEqual(written.map((item) => item.id));
      expect(stored[0]).toMatchObject({ groupName: 'fast', policy: 'failover', attempts: 2, fallback: true, queueWaitMs: 3.5 });
    } finally {
      await writer.close();
      await spool.close();
      await thread.close();
      await store.close();
    }
  });

  it('a spool written before the attempt trail existed is replayed, not refused', async () => {
    const store = await openStore(location);
    const spoolDirectory = join(directory, `old-spool-${name}`);
    // What a gateway of the previous version spooled before it was upgraded: no routing fields at all.
    const {
      groupName: _group,
      policy: _policy,
      attempts: _attempts,
      fallback: _fallback,
      queueWaitMs: _wait,
      attemptTrail: _trail,
      // Nor, from before issue 20's cost columns, images or a billed cost.
      imageCount: _images,
      imageTokens: _imageTokens,
      billedCostUsd: _billed,
      ...old
    } = row(`${name}-old`);
    await mkdir(spoolDirectory, { recursive: true });
    // Same pid, another run: an earlier run of this process id, as after a container restart.
    await writeFile(join(spoolDirectory, `usage-${process.pid}-abcdef-000000.jsonl`), `${JSON.stringify(old)}\n`);
    const spool = await UsageSpool.open({ directory: spoolDirectory, maxBytes: 1024 * 1024, logger });
    try {
      expect(await spool.replay((batch) => store.recordUsage(batch), 10, () => false)).toBe(1);
      const [stored] = (await store.recentUsage({ limit: 100 })).filter((item) => item.id === `${name}-old`);
      expect(stored).toEqual({ ...old, groupName: null, policy: null, attempts: 0, fallback: false, queueWaitMs: null, attemptTrail: [], imageCount: 0, imageTokens: 0, billedCostUsd: null });
      expect(await readdir(spoolDirectory)).toEqual([]);
    } finally {
      await spool.close();
      await store.close();
    }
  });
});
