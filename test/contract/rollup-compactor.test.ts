import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { compactionStep } from '../../src/store/rollups/rollup-batch.js';
import { openStore, type StoreLocation } from '../../src/store/open-store.js';
import { compactorLockKey } from '../../src/store/postgres/postgres-store.js';
import { RollupCompactor } from '../../src/store/rollups/rollup-compactor.js';
import { WorkerUsageSink } from '../../src/usage/worker-usage-sink.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { testUsageRow } from '../helpers/usage-rows.js';

/** The rollup compactor's thread against a real store: SQLite, and PostgreSQL when there is one. */
const directory = await mkdtemp(join(tmpdir(), 'sluice-compactor-'));
const postgres = await createTestDatabase();
// Databases of their own: these tests need a compaction mark no other test has moved.
const racingPostgres = await createTestDatabase();
const lockingPostgres = await createTestDatabase();
const locations: Array<{ name: string; location: StoreLocation }> = [{ name: 'sqlite', location: { kind: 'sqlite', path: join(directory, 'compactor.db') } }];
if ('url' in postgres) locations.push({ name: 'postgres', location: { kind: 'postgres', url: postgres.url } });
else console.warn(`[rollup compactor] skipping PostgreSQL: ${postgres.skipReason}`);

afterAll(async () => {
  if ('url' in postgres) await postgres.drop();
  if ('url' in racingPostgres) await racingPostgres.drop();
  if ('url' in lockingPostgres) await lockingPostgres.drop();
  await rm(directory, { recursive: true, force: true });
});

const minute = 60_000;
const hour = 60 * minute;

/** A logger whose lines the test reads. */
function recordingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('compactionStep', () => {
  const base = Date.UTC(2025, 9, 1, 10);
  it('moves the mark to the end of the first hour holding minutes, never into the latest minute’s hour', () => {
    expect(compactionStep(base, base + 5 * minute, base + 3 * hour)).toBe(base + hour);
    // Empty hours are passed over in the same step.
    expect(compactionStep(base, base + 2 * hour + minute, base + 3 * hour)).toBe(base + 3 * hour);
    expect(compactionStep(base, base + 5 * minute, base + 50 * minute)).toBeUndefined();
    expect(compactionStep(base, undefined, undefined)).toBeUndefined();
  });
});

describe.each(locations)('the rollup compactor on $name', ({ location }) => {
  it('compacts the hours the usage writer left, in its own thread, and its thread ends when closed', async () => {
    // Rows from four hours ago up to now, by a writer that leaves compaction apart (as the gateway's does).
    const writer = await openStore(location, { compactWithBatches: false });
    const now = Date.now();
    const start = now - (now % hour) - 4 * hour;
    const rows = Array.from({ length: 5 }, (_unused, index) => testUsageRow(`compactor-${index}`, { createdAt: start + index * hour + minute, keyId: 'key_compactor', costUsd: 1 }));
    await writer.recordUsage(rows);
    const markBefore = await writer.rollupsCompactedUntil();
    expect(markBefore).toBeLessThanOrEqual(start);
    const { logger, lines } = recordingLogger();
    const compactor = new RollupCompactor({ store: location, queryTimeoutMs: 5_000, intervalMs: 50, logger });
    compactor.start();
    try {
      // Every ended hour: up to the start of the current one.
      await expect.poll(() => writer.rollupsCompactedUntil(), { timeout: 10_000 }).toBe(now - (now % hour));
      await expect.poll(() => lines.some((line) => line.msg === 'usage rollups compacted'), { timeout: 10_000 }).toBe(true);
    } finally {
      await compactor.close();
    }
    // Its pass said where it moved the mark to; close() resolved once the thread had ended.
    expect(lines.find((line) => line.msg === 'usage rollups compacted')).toMatchObject({ to: new Date(now - (now % hour)).toISOString() });
    expect(lines.filter((line) => line.level !== 20)).toEqual([]);
    await writer.close();
  });
});

const racingLocations: Array<{ name: string; location: StoreLocation }> = [{ name: 'sqlite', location: { kind: 'sqlite', path: join(directory, 'racing.db') } }];
if ('url' in racingPostgres) racingLocations.push({ name: 'postgres', location: { kind: 'postgres', url: racingPostgres.url } });

describe.each(racingLocations)('a compaction step on $name while the usage writer thread writes into the hour it compacts', ({ location }) => {
  it('counts every row once: the step is worked out again when a row arrived since it read the hour', async () => {
    // The step reads and sums outside the write lock; rows the writer thread adds to that hour meanwhile
    // must either make it start over or (once it is written) go to the hour as late rows.
    const store = await openStore(location, { compactWithBatches: false });
    const thread = new WorkerUsageSink({ store: location, queryTimeoutMs: 5_000, pricing: {}, pricingProviderIds: [], pricingEpoch: 0 });
    try {
      const now = Date.now();
      const hourStart = now - (now % hour) - 2 * hour;
      // Enough rows that summing the hour takes a while: 20,000 over the hour, in combinations of their own.
      for (let batch = 0; batch < 40; batch++) {
        await store.recordUsage(
          Array.from({ length: 500 }, (_unused, index) => {
            const number = batch * 500 + index;
            return testUsageRow(`race-${number}`, { createdAt: hourStart + Math.floor((number * hour) / 20_000), keyId: 'key_race', requester: `end-user-${number}`, inputTokens: 1 });
          }),
        );
      }
      await store.recordUsage([testUsageRow('race-now', { createdAt: now, keyId: 'key_other' })]);
      // One-row batches into that hour, handed to the writer thread before the step starts on this one.
      const racing = Array.from({ length: 300 }, (_unused, index) =>
        thread.recordUsage([testUsageRow(`race-late-${index}`, { createdAt: hourStart + 30 * minute + index, keyId: 'key_race', requester: 'late', inputTokens: 1 })]),
      );
      expect(await store.compactRollups()).toBe(now - (now % hour));
      await Promise.all(racing);
      const calls = async (table: 'hour' | 'minute') =>
        (await store.aggregateRollups({ table, from: hourStart, to: hourStart + hour, filters: { key: 'key_race' }, by: [] })).reduce((sum, group) => sum + group.measures.calls, 0);
      expect(await calls('minute')).toBe(20_300);
      expect(await calls('hour')).toBe(20_300);
    } finally {
      await thread.close();
      await store.close();
    }
  });
});

describe.skipIf(!('url' in lockingPostgres))('rollup compactors of several instances on PostgreSQL', () => {
  it('take turns: a pass that finds another holding the compactor lock leaves the hours to it', async () => {
    const url = (lockingPostgres as { url: string }).url;
    const store = await openStore({ kind: 'postgres', url }, { compactWithBatches: false });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const now = Date.now();
      await store.recordUsage([testUsageRow('turns-1', { createdAt: now - (now % hour) - 2 * hour }), testUsageRow('turns-2', { createdAt: now })]);
      const markBefore = await store.rollupsCompactedUntil();
      // Another instance's compactor is at work.
      await other.query('SELECT pg_advisory_lock($1)', [compactorLockKey]);
      expect(await store.compactRollups()).toBe(markBefore);
      await other.query('SELECT pg_advisory_unlock($1)', [compactorLockKey]);
      expect(await store.compactRollups()).toBe(now - (now % hour));
    } finally {
      await other.end();
      await store.close();
    }
  });
});

describe('the rollup compactor with its store down', () => {
  it('says each failed pass, and keeps trying', async () => {
    const { logger, lines } = recordingLogger();
    // Nothing listens on port 9: every pass fails to connect.
    const compactor = new RollupCompactor({ store: { kind: 'postgres', url: 'postgres://nobody@127.0.0.1:9/none' }, queryTimeoutMs: 1_000, intervalMs: 20, logger });
    compactor.start();
    try {
      await expect
        .poll(() => lines.filter((line) => line.msg === 'usage rollup compaction failed; it is tried again on the next pass').length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(2);
    } finally {
      await compactor.close();
    }
  });
});
