import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityReport } from '../../src/analytics/activity-report.js';
import type { AnalyticsContext } from '../../src/analytics/analytics-context.js';
import { costReport } from '../../src/analytics/cost-report.js';
import { byKeyReport, byTeamReport, byUserReport } from '../../src/analytics/identity-report.js';
import { requestLogReport } from '../../src/analytics/request-log.js';
import { routingReport } from '../../src/analytics/routing-report.js';
import { timeseriesReport } from '../../src/analytics/timeseries-report.js';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';
import { PrincipalView } from '../../src/policy/principal-view.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { rollupTables, type RollupTable } from '../../src/store/rollups/rollup-columns.js';
import { rollupStateTable } from '../../src/store/rollups/rollup-migration.js';
import { postgresMigrations } from '../../src/store/postgres/migrations.js';
import { loadSqliteDriver } from '../../src/store/sqlite/load-sqlite-driver.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreHealth } from '../../src/store/store-health.js';
import type { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/server/logger.js';
import { UsageRetention } from '../../src/usage/usage-retention.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { testAttempt, testUsageRow } from '../helpers/usage-rows.js';

/** The analytics contract (rollups, reports, request log, retention), run on SQLite and on the real PostgreSQL. */
const directory = await mkdtemp(join(tmpdir(), 'sluice-analytics-'));
const postgres = await createTestDatabase();

interface Backend {
  name: string;
  open(options?: { rollups?: boolean; compactWithBatches?: boolean }): Promise<Store>;
  /** Takes the schema back to before the rollups (keeping the rows), so the next open back-fills them. */
  rewindRollups(): Promise<void>;
}

const sqlitePath = join(directory, 'analytics.db');
const rollupTableList: RollupTable[] = Object.values(rollupTables);
const dropRollups = [...rollupTableList.map((table) => `DROP TABLE ${table.packs ?? table.name};`), `DROP TABLE ${rollupStateTable};`].join(' ');
/** The schema version before the rollup migrations (the rollups, their interned dimensions, the narrow shapes, the packs). */
const versionBeforeRollups = (migrations: readonly string[]) => migrations.findIndex((sql) => sql.includes('CREATE TABLE usage_rollup_minute'));
/**
 * Usage columns added by migrations after the rollups: a store of before the rollups did not have them,
 * and going back to that version re-runs the migrations that add them.
 */
const dropColumnsAddedSince = [
  'ALTER TABLE usage_rows DROP COLUMN operation;',
  // Issue 20 §4, every cost.
  'ALTER TABLE usage_rows DROP COLUMN image_count;',
  'ALTER TABLE usage_rows DROP COLUMN image_tokens;',
  'ALTER TABLE usage_rows DROP COLUMN billed_cost_usd;',
  // Issue 22 §1, evaluation runs.
  'DROP INDEX usage_rows_run_created_at;',
  'ALTER TABLE usage_rows DROP COLUMN run_id;',
  'ALTER TABLE usage_rows DROP COLUMN trial_id;',
  'ALTER TABLE gateway_keys DROP COLUMN run;',
  'DROP TABLE eval_outcomes;',
  // Issue 22 §2, governed content capture.
  'ALTER TABLE gateway_keys DROP COLUMN capture;',
  'ALTER TABLE principals DROP COLUMN capture;',
  'DROP TABLE captures;',
].join(' ');
const backends: Backend[] = [
  {
    name: 'sqlite',
    open: async (options) => new SqliteStore(sqlitePath, options),
    async rewindRollups() {
      const Driver = loadSqliteDriver();
      const database = new Driver(sqlitePath);
      database.exec(`${dropRollups} ${dropColumnsAddedSince} DROP INDEX usage_rows_created_at_id; CREATE INDEX usage_rows_created_at ON usage_rows (created_at);`);
      database.pragma(`user_version = ${versionBeforeRollups(sqliteMigrations)}`);
      database.close();
    },
  },
];
if ('url' in postgres) {
  backends.push({
    name: 'postgres',
    open: (options) => PostgresStore.open(postgres.url, options),
    async rewindRollups() {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      await client.query(`${dropRollups} ${dropColumnsAddedSince} DROP INDEX usage_rows_created_at_id; CREATE INDEX usage_rows_created_at ON usage_rows (created_at);`);
      await client.query('UPDATE sluice_schema_version SET version = $1', [versionBeforeRollups(postgresMigrations)]);
      await client.end();
    },
  });
} else console.warn(`[analytics contract] skipping PostgreSQL: ${postgres.skipReason}`);

afterAll(async () => {
  if ('url' in postgres) await postgres.drop();
  await rm(directory, { recursive: true, force: true });
});

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

describe.each(backends)('analytics on $name', (backend) => {
  let store: Store;
  let principals: PrincipalView;
  const logger = createLogger('silent');

  beforeAll(async () => {
    store = await backend.open();
    principals = new PrincipalView(store, logger, new StoreHealth());
    await principals.reload();
  });
  afterAll(async () => {
    await store.close();
  });

  /** Each test has a day of its own, far from the others, and reads the store as of `now`. */
  function contextAt(now: number): AnalyticsContext {
    return { store, now, keys: new Map(), principals, limitDefaults: { key: {}, user: {}, team: {} }, budgetLedger: new MemoryBudgetLedger(async () => 0) };
  }
  const iso = (time: number) => new Date(time).toISOString();

  it('cost: exact totals, every group_by, tags counted in each of their groups, sorted by spend', async () => {
    const base = Date.UTC(2025, 0, 10, 12);
    const rows: UsageRow[] = [
      testUsageRow('c1', { createdAt: base, keyId: 'key_c1', userName: 'ada', teamName: 'research', requester: 'r1', tags: ['a', 'b'], costUsd: 1, inputTokens: 100, outputTokens: 10, groupName: 'fast' }),
      testUsageRow('c2', { createdAt: base + minute, keyId: 'key_c1', userName: 'ada', teamName: 'research', tags: ['b'], costUsd: 2, inputTokens: 200, outputTokens: 20, reasoningTokens: 5, cacheReadTokens: 50 }),
      testUsageRow('c3', { createdAt: base + 2 * minute, keyId: 'key_c2', userName: 'bob', teamName: null, provider: 'anthropic', upstreamModel: 'claude-haiku-4-5', requestedModel: 'haiku', costUsd: 0.5, outputTokens: 7, cacheWriteTokens: 3 }),
      // Refused before any upstream: the requested model is the one it is grouped under.
      testUsageRow('c4', { createdAt: base + 3 * minute, provider: null, upstreamModel: null, requestedModel: 'nope', outcome: 'error', statusCode: 404, errorCode: 'model_not_found', inputTokens: 0, outputTokens: 0 }),
      testUsageRow('c5', { createdAt: base + 4 * minute, keyId: 'key_c1', userName: 'ada', teamName: 'research', cached: true, savedCostUsd: 0.25, inputTokens: 0, outputTokens: 0 }),
      testUsageRow('c6', { createdAt: base + 5 * minute, keyId: 'key_c2', userName: 'bob', outcome: 'cancelled', statusCode: 499, errorCode: 'client_closed_request', costUsd: 0.125 }),
    ];
    await store.recordUsage(rows);
    const context = contextAt(base + hour);
    const answer = (query: Record<string, string>) => costReport({ window: '2h', ...query }, context);

    const all = await answer({});
    expect(all).toMatchObject({ object: 'analytics.cost', group_by: null, data: [] });
    expect(all.totals).toEqual({
      calls: 6,
      errors: 1,
      cancelled: 1,
      input_tokens: 302,
      output_tokens: 38,
      cache_read_tokens: 50,
      cache_write_tokens: 3,
      reasoning_tokens: 5,
      cost_usd: 3.625,
      // No upstream reported what it billed.
      billed_cost_usd: null,
      billed_calls: 0,
      saved_usd: 0.25,
      cache_hits: 1,
      attempts: 6,
      retries: 0,
      fallbacks: 0,
      upstream_ms: 0,
      fallback_rate: 0,
      retry_rate: 0,
      attempts_per_call: 1,
    });
    const groups = async (groupBy: string) => ((await answer({ group_by: groupBy })).data as Array<{ group: string | null; calls: number; cost_usd: number }>).map((row) => [row.group, row.calls, row.cost_usd]);
    expect(await groups('model')).toEqual([['gpt-4o-mini', 4, 3.125], ['claude-haiku-4-5', 1, 0.5], ['nope', 1, 0]]);
    expect(await groups('provider')).toEqual([['openai', 4, 3.125], ['anthropic', 1, 0.5], [null, 1, 0]]);
    expect(await groups('key')).toEqual([['key_c1', 3, 3], ['key_c2', 2, 0.625], [null, 1, 0]]);
    expect(await groups('user')).toEqual([['ada', 3, 3], ['bob', 2, 0.625], [null, 1, 0]]);
    expect(await groups('team')).toEqual([['research', 3, 3], [null, 3, 0.625]]);
    expect(await groups('tag')).toEqual([['b', 2, 3], ['a', 1, 1], [null, 4, 0.625]]);
    expect(await groups('requester')).toEqual([[null, 5, 2.625], ['r1', 1, 1]]);
    expect(await groups('group')).toEqual([[null, 5, 2.625], ['fast', 1, 1]]);
    // A tag counted in two groups is counted once in the totals.
    expect((await answer({ group_by: 'tag' })).totals).toEqual(all.totals);
    await expect(answer({ group_by: 'color' })).rejects.toMatchObject({ param: 'group_by', status: 400, message: expect.stringContaining('model, provider, key') });
  });

  it('filters narrow every report, alone and together', async () => {
    const base = Date.UTC(2025, 1, 10, 12);
    await store.recordUsage([
      testUsageRow('f1', { createdAt: base, keyId: 'key_f1', userName: 'ada', teamName: 'research', requester: 'end-1', tags: ['x', 'y'], groupName: 'fast', costUsd: 1 }),
      testUsageRow('f2', { createdAt: base, keyId: 'key_f2', userName: 'bob', teamName: 'ops', provider: 'anthropic', upstreamModel: 'claude-haiku-4-5', costUsd: 2 }),
      testUsageRow('f3', { createdAt: base, keyId: 'key_f1', userName: 'ada', teamName: 'research', tags: ['y'], upstreamModel: null, requestedModel: 'typo', provider: null, costUsd: 4 }),
    ]);
    const context = contextAt(base + hour);
    const calls = async (filters: Record<string, string>) => ((await costReport({ window: '2h', ...filters }, context)).totals as { calls: number }).calls;
    expect(await calls({})).toBe(3);
    expect(await calls({ key: 'key_f1' })).toBe(2);
    expect(await calls({ user: 'bob' })).toBe(1);
    expect(await calls({ team: 'research' })).toBe(2);
    expect(await calls({ model: 'typo' })).toBe(1);
    expect(await calls({ model: 'claude-haiku-4-5' })).toBe(1);
    expect(await calls({ provider: 'openai' })).toBe(1);
    expect(await calls({ tag: 'y' })).toBe(2);
    expect(await calls({ tag: 'x' })).toBe(1);
    expect(await calls({ tag: 'z' })).toBe(0);
    expect(await calls({ group: 'fast' })).toBe(1);
    expect(await calls({ requester: 'end-1' })).toBe(1);
    expect(await calls({ team: 'research', tag: 'y', key: 'key_f1' })).toBe(2);
    expect(await calls({ team: 'research', user: 'bob' })).toBe(0);
    const log = await requestLogReport({ window: '2h', tag: 'y', model: 'typo' }, context);
    expect((log.data as Array<{ id: string }>).map((row) => row.id)).toEqual(['f3']);
  });

  it('a window crossing midnight UTC counts minutes, hours and days exactly', async () => {
    const midnight = Date.UTC(2025, 2, 11);
    const times = [midnight - 2 * day - 30 * minute, midnight - day - 5 * minute, midnight - 70 * minute, midnight - 10 * minute, midnight - 1, midnight, midnight + 59 * minute, midnight + 2 * hour + 3 * minute];
    await store.recordUsage(times.map((createdAt, index) => testUsageRow(`m${index}`, { createdAt, keyId: 'key_midnight', costUsd: 2 ** index })));
    const now = midnight + 2 * hour + 4 * minute;
    const context = contextAt(now);
    const cost = async (query: Record<string, string>) => ((await costReport({ key: 'key_midnight', ...query }, context)).totals as { cost_usd: number }).cost_usd;
    // 23:00 to 01:00: the row at 22:50 and the one at 02:03 are out.
    expect(await cost({ from: iso(midnight - hour), to: iso(midnight + hour) })).toBe(2 ** 3 + 2 ** 4 + 2 ** 5 + 2 ** 6);
    // Unaligned edges (the rollups count whole minutes: 23:49:30 starts at 23:49).
    expect(await cost({ from: iso(midnight - 10 * minute - 30_000), to: iso(midnight + 30_000) })).toBe(2 ** 3 + 2 ** 4 + 2 ** 5);
    // The last 24 h reach back to 02:04 the day before: two rows older than that are out.
    expect(await cost({ window: '24h' })).toBe(2 ** 2 + 2 ** 3 + 2 ** 4 + 2 ** 5 + 2 ** 6 + 2 ** 7);
    expect(await cost({ window: '3d' })).toBe(2 ** 8 - 1);
    const answer = await costReport({ window: '24h' }, context);
    expect(answer.from).toBe(iso(now - day));
    expect(answer.to).toBe(iso(now));
  });

  it('timeseries: every bucket in the window, gaps filled, the 8 largest groups and the rest as other', async () => {
    const base = Date.UTC(2025, 3, 10, 6);
    const rows = Array.from({ length: 10 }, (_unused, index) =>
      testUsageRow(`t${index}`, { createdAt: base + (index % 2) * 2 * hour + 5 * minute, keyId: 'key_t', upstreamModel: `model-${index}`, costUsd: index + 1, outputTokens: 10 + index, inputTokens: 5 }),
    );
    await store.recordUsage(rows);
    const context = contextAt(base + 4 * hour);
    const series = await timeseriesReport({ from: iso(base), to: iso(base + 4 * hour), bucket: '1h', key: 'key_t' }, context);
    expect(series).toMatchObject({ object: 'analytics.timeseries', bucket: '1h', metric: 'cost', group_by: null });
    expect(series.buckets).toEqual([0, 1, 2, 3].map((index) => iso(base + index * hour)));
    expect(series.series).toEqual([{ group: null, values: [1 + 3 + 5 + 7 + 9, 0, 2 + 4 + 6 + 8 + 10, 0] }]);
    const byModel = await timeseriesReport({ from: iso(base), to: iso(base + 4 * hour), bucket: '1h', key: 'key_t', group_by: 'model', metric: 'tokens' }, context);
    const named = byModel.series as Array<{ group: string; values: number[] }>;
    expect(named).toHaveLength(9);
    expect(named.map((item) => item.group)).toEqual([9, 8, 7, 6, 5, 4, 3, 2].map((index) => `model-${index}`).concat('other'));
    expect(named[0]).toEqual({ group: 'model-9', values: [0, 0, 24, 0] });
    expect(named[8]).toEqual({ group: 'other', values: [15, 0, 16, 0] });
    // The default bucket keeps a chart under about 200 points; too many buckets or a bad bucket are refused by name.
    expect((await timeseriesReport({ window: '7d', key: 'key_t' }, context)).bucket).toBe('1h');
    await expect(timeseriesReport({ window: '30d', bucket: '5m' }, context)).rejects.toMatchObject({ param: 'bucket', status: 400 });
    await expect(timeseriesReport({ window: '2d', bucket: '1m' }, context)).rejects.toMatchObject({ param: 'bucket', status: 400 });
    await expect(timeseriesReport({ metric: 'joy' }, context)).rejects.toMatchObject({ param: 'metric' });
  });

  it('activity: error and cache-hit rates, errors by code, latency percentiles within a histogram bucket', async () => {
    const base = Date.UTC(2025, 4, 10, 6);
    const latencies = Array.from({ length: 100 }, (_unused, index) => (index + 1) * 10);
    const rows = latencies.map((latencyMs, index) =>
      testUsageRow(`a${index}`, {
        createdAt: base,
        keyId: 'key_a',
        latencyMs,
        timeToFirstByteMs: latencyMs / 2,
        outcome: index < 6 ? 'error' : 'ok',
        statusCode: index < 4 ? 429 : index < 6 ? 502 : 200,
        errorCode: index < 4 ? 'rate_limited' : index < 6 ? 'upstream_error' : null,
        cached: index >= 90,
      }),
    );
    rows.push(testUsageRow('a-anthropic', { createdAt: base, keyId: 'key_a', provider: 'anthropic', upstreamModel: 'claude-haiku-4-5', latencyMs: 5, timeToFirstByteMs: null }));
    await store.recordUsage(rows);
    const report = await activityReport({ window: '1h', key: 'key_a' }, contextAt(base + 10 * minute));
    expect(report.totals).toMatchObject({ calls: 101, errors: 6, cache_hits: 10, error_rate: 6 / 101, cache_hit_rate: 10 / 101 });
    expect(report.errors_by_code).toEqual([
      { code: 'rate_limited', status_code: 429, count: 4 },
      { code: 'upstream_error', status_code: 502, count: 2 },
    ]);
    const [openai, anthropic] = report.latency as Array<{ provider: string; calls: number; latency_ms: { p50: number; p95: number; p99: number }; ttfb_ms: { p50: number } | null }>;
    expect(openai).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', calls: 100, errors: 6 });
    // True p50 500 ms, p95 950 ms, p99 990 ms: each within its histogram bucket (500–750, 750–1000).
    expect(openai!.latency_ms.p50).toBeGreaterThanOrEqual(300);
    expect(openai!.latency_ms.p50).toBeLessThanOrEqual(750);
    expect(openai!.latency_ms.p95).toBeGreaterThanOrEqual(750);
    expect(openai!.latency_ms.p95).toBeLessThanOrEqual(1000);
    expect(openai!.latency_ms.p99).toBeGreaterThanOrEqual(750);
    expect(openai!.latency_ms.p99).toBeLessThanOrEqual(1500);
    expect(openai!.ttfb_ms!.p50).toBeGreaterThanOrEqual(200);
    expect(openai!.ttfb_ms!.p50).toBeLessThanOrEqual(300);
    expect(anthropic).toMatchObject({ provider: 'anthropic', calls: 1, ttfb_ms: null });
    expect(anthropic!.latency_ms.p99).toBeLessThanOrEqual(50);
  });

  it('by team, user and key: identities by spend, users inline, top, quota from the current budget period', async () => {
    const now = Date.UTC(2025, 5, 20, 12);
    const monthStart = Date.UTC(2025, 5, 1);
    await store.setPrincipal('team', { name: 'q-research', limits: { budget: { period: 'month', hardUsd: 100, softUsd: 50 } }, allowedModels: null });
    await principals.reload();
    const key = await store.createKey({ name: 'q-key', hash: 'q-hash', hint: 'sk-…q', userName: 'q-ada', teamName: 'q-research', allowedModels: null, role: 'user', limits: { budget: { period: 'day', hardUsd: 5 } } });
    await store.revokeKey(key.id);
    await store.recordUsage([
      // Spent this month but before the window: counted in the quota, not in the window.
      testUsageRow('q0', { createdAt: monthStart + hour, keyId: key.id, userName: 'q-ada', teamName: 'q-research', costUsd: 10 }),
      testUsageRow('q1', { createdAt: now - hour, keyId: key.id, userName: 'q-ada', teamName: 'q-research', costUsd: 6, inboundDialect: 'anthropic-messages' }),
      testUsageRow('q2', { createdAt: now - 30 * minute, keyId: key.id, userName: 'q-ada', teamName: 'q-research', costUsd: 1 }),
      // Free, but a call: counted in calls and in its API shape's calls.
      testUsageRow('q2b', { createdAt: now - 40 * minute, keyId: key.id, userName: 'q-ada', teamName: 'q-research', costUsd: 0 }),
      testUsageRow('q3', { createdAt: now - 20 * minute, keyId: 'key_q_other', userName: 'q-bob', teamName: 'q-research', costUsd: 1 }),
      testUsageRow('q4', { createdAt: now - 10 * minute, keyId: 'key_q_other', userName: 'q-bob', teamName: 'q-ops', costUsd: 0.5 }),
      testUsageRow('q5', { createdAt: now - 10 * minute, keyId: 'key_q_none', userName: null, teamName: null, costUsd: 0.25 }),
    ]);
    const context: AnalyticsContext = { ...contextAt(now), keys: new Map([[key.id, (await store.listKeys()).find((item) => item.id === key.id)!]]) };
    const query = { window: '24h' };

    const teams = await byTeamReport(query, context);
    expect(teams.top).toEqual({ name: 'q-research', share: 8 / 8.75 });
    expect(teams.data).toEqual([
      expect.objectContaining({
        team: 'q-research',
        calls: 4,
        cost_usd: 8,
        users: 2,
        quota: { period: 'month', period_start: iso(monthStart), soft_usd: 50, hard_usd: 100, spent_usd: 18 },
        by_user: [expect.objectContaining({ user: 'q-ada', calls: 3, cost_usd: 7 }), expect.objectContaining({ user: 'q-bob', calls: 1, cost_usd: 1 })],
      }),
      expect.objectContaining({ team: 'q-ops', cost_usd: 0.5, users: 1, quota: null }),
      // Calls without a user count no user.
      expect.objectContaining({ team: null, cost_usd: 0.25, users: 0, quota: null }),
    ]);
    const users = await byUserReport(query, context);
    expect(users.data).toEqual([
      expect.objectContaining({ user: 'q-ada', team: 'q-research', cost_usd: 7, quota: null }),
      // The team of bob's latest call.
      expect.objectContaining({ user: 'q-bob', team: 'q-ops', cost_usd: 1.5 }),
      expect.objectContaining({ user: null, team: null, cost_usd: 0.25 }),
    ]);
    expect(users.top).toEqual({ name: 'q-ada', share: 7 / 8.75 });
    const keys = await byKeyReport(query, context);
    expect(keys.data).toEqual([
      expect.objectContaining({
        key_id: key.id,
        key_name: 'q-key',
        user: 'q-ada',
        team: 'q-research',
        revoked: true,
        cost_usd: 7,
        last_call_at: iso(now - 30 * minute),
        dialects: ['anthropic-messages', 'openai-chat'],
        // Most calls first, whatever the names' order.
        calls_by_dialect: [
          { dialect: 'openai-chat', calls: 2 },
          { dialect: 'anthropic-messages', calls: 1 },
        ],
        quota: { period: 'day', period_start: iso(Date.UTC(2025, 5, 20)), soft_usd: null, hard_usd: 5, spent_usd: 7 },
      }),
      expect.objectContaining({ key_id: 'key_q_other', key_name: null, revoked: false, user: 'q-bob', team: 'q-ops', cost_usd: 1.5, calls_by_dialect: [{ dialect: 'openai-chat', calls: 2 }] }),
      expect.objectContaining({ key_id: 'key_q_none', cost_usd: 0.25 }),
    ]);
    // A window without spend has no top.
    expect(await byTeamReport({ from: iso(now - 3 * day), to: iso(now - 2 * day) }, context)).toMatchObject({ top: null, data: [] });
  });

  it('request log: newest first, keyset pages without duplicates or gaps while rows arrive, filters', async () => {
    const base = Date.UTC(2025, 6, 10, 12);
    // Several rows share a millisecond: the id orders them.
    const rows = Array.from({ length: 25 }, (_unused, index) => testUsageRow(`r${String(index).padStart(2, '0')}`, { createdAt: base + Math.floor(index / 3) * 1000, keyId: 'key_r', outcome: index % 5 === 0 ? 'error' : 'ok', statusCode: index % 5 === 0 ? 429 : 200, attemptTrail: [testAttempt('openai:gpt-4o-mini')] }));
    await store.recordUsage(rows);
    const context = contextAt(base + hour);
    const seen: string[] = [];
    let cursor: string | undefined;
    let page = 0;
    do {
      const answer = await requestLogReport({ window: '2h', key: 'key_r', limit: '4', ...(cursor ? { cursor } : {}) }, context);
      seen.push(...(answer.data as Array<{ id: string }>).map((row) => row.id));
      cursor = (answer.next_cursor as string | null) ?? undefined;
      // Rows arriving meanwhile, newer than the first page: not shown on later pages, nothing shifts.
      if (page++ === 1) await store.recordUsage([testUsageRow('r-late', { createdAt: base + 30 * minute, keyId: 'key_r' })]);
    } while (cursor);
    expect(seen).toEqual(rows.map((row) => row.id).reverse());
    const errors = await requestLogReport({ window: '2h', key: 'key_r', outcome: 'error', status_code: '429' }, context);
    expect((errors.data as Array<{ id: string }>).map((row) => row.id)).toEqual(['r20', 'r15', 'r10', 'r05', 'r00']);
    await expect(requestLogReport({ cursor: 'garbage' }, context)).rejects.toMatchObject({ param: 'cursor', status: 400 });
    await expect(requestLogReport({ limit: '201' }, context)).rejects.toMatchObject({ param: 'limit', status: 400 });
  });

  it('a batch written twice is counted once', async () => {
    const base = Date.UTC(2025, 7, 10, 12);
    const rows = [testUsageRow('d1', { createdAt: base, keyId: 'key_d', costUsd: 1 }), testUsageRow('d2', { createdAt: base, keyId: 'key_d', costUsd: 2 })];
    await store.recordUsage(rows);
    await store.recordUsage([...rows, testUsageRow('d3', { createdAt: base, keyId: 'key_d', costUsd: 4 })]);
    const answer = await costReport({ window: '1h', key: 'key_d' }, contextAt(base + minute));
    expect(answer.totals).toMatchObject({ calls: 3, cost_usd: 7 });
  });

  it('a batch of many sums over midnight is counted once in minutes, hours and days of both shapes', async () => {
    // 50 rows 5 minutes apart, each its own minute sum (more than one multi-row insert holds), from 22:00
    // to 02:05: the batch compacts up to 02:00, so days are summed from hours and the last hour read from minutes.
    const base = Date.UTC(2025, 7, 20, 22);
    const rows = Array.from({ length: 50 }, (_unused, index) =>
      testUsageRow(`s${index}`, { createdAt: base + index * 5 * minute, keyId: `key_s${index % 4}`, tags: [`t${index % 2}`], costUsd: index + 1 }),
    );
    await store.recordUsage(rows);
    const context = contextAt(base + 2 * day);
    const spentBy = (key: number) => rows.filter((_row, index) => index % 4 === key).reduce((sum, row) => sum + row.costUsd!, 0);
    // By key: the spend tables; by tag: the full ones.
    const byKey = await costReport({ window: '7d', group_by: 'key' }, context);
    expect(byKey.totals).toMatchObject({ calls: 50, cost_usd: 1275 });
    const keyRows = (byKey.data as Array<{ group: string; cost_usd: number }>).filter((row) => row.group.startsWith('key_s'));
    expect(Object.fromEntries(keyRows.map((row) => [row.group, row.cost_usd]))).toEqual({ key_s0: spentBy(0), key_s1: spentBy(1), key_s2: spentBy(2), key_s3: spentBy(3) });
    const byTag = await costReport({ from: iso(base), to: iso(base + 5 * hour), group_by: 'tag' }, context);
    expect(byTag.totals).toMatchObject({ calls: 50, cost_usd: 1275 });
    expect(byTag.data).toMatchObject([{ group: 't1', calls: 25, cost_usd: 650 }, { group: 't0', calls: 25, cost_usd: 625 }]);
  });

  it('two writers sharing the store add the same new combinations at once, each counted in its own sums', async () => {
    // Each writer keeps its own cache of dims ids: both meet these combinations for the first time, in
    // opposite orders, in concurrent batches (on PostgreSQL, two pools: the dictionary must neither
    // deadlock nor hand out two ids for one combination).
    const base = Date.UTC(2025, 8, 1, 12);
    const other = await backend.open();
    try {
      const batch = (prefix: string, order: number[]) =>
        order.map((index) => testUsageRow(`${prefix}${index}`, { createdAt: base + index * minute, keyId: `key_w${index % 5}`, requester: `end-user-${index}`, tags: [`w${index % 3}`], costUsd: 1 }));
      const forward = Array.from({ length: 40 }, (_unused, index) => index);
      await Promise.all([store.recordUsage(batch('wa', forward)), other.recordUsage(batch('wb', [...forward].reverse()))]);
      // Both writers again: their caches now hold ids the other may have created.
      await Promise.all([store.recordUsage(batch('wc', forward)), other.recordUsage(batch('wd', forward))]);
      const context = contextAt(base + 2 * hour);
      const byRequester = await costReport({ window: '2h', group_by: 'requester', tag: 'w1' }, context);
      expect(byRequester.totals).toMatchObject({ calls: 4 * 13, cost_usd: 4 * 13 });
      expect((byRequester.data as Array<{ calls: number }>).every((row) => row.calls === 4)).toBe(true);
      expect((await costReport({ window: '2h', group_by: 'key' }, context)).totals).toMatchObject({ calls: 160 });
    } finally {
      await other.close();
    }
  });

  it('a writer whose compaction mark another writer moved adds its late rows to the hours it compacted', async () => {
    // The SQLite store remembers the mark between batches while no other connection commits: this one does.
    const base = Date.UTC(2025, 8, 5, 12);
    const other = await backend.open();
    try {
      await store.recordUsage([testUsageRow('mark1', { createdAt: base + 5 * minute, keyId: 'key_mark', costUsd: 1 })]);
      // The other writer passes two hours: the mark moves to 14:00, 12:00–14:00 go to the hour tables.
      await other.recordUsage([testUsageRow('mark2', { createdAt: base + 2 * hour + minute, keyId: 'key_mark', costUsd: 2 })]);
      // A late row for 12:30, from the first writer: it must go to the hours as well as its minute.
      await store.recordUsage([testUsageRow('mark3', { createdAt: base + 30 * minute, keyId: 'key_mark', costUsd: 4 })]);
      const context = contextAt(base + 3 * hour);
      expect(await store.rollupsCompactedUntil()).toBeGreaterThanOrEqual(base + 2 * hour);
      // 12:00–13:00 is read from the hour tables (narrow and full shapes).
      const window = { from: iso(base), to: iso(base + hour) };
      expect((await costReport({ ...window, key: 'key_mark' }, context)).totals).toMatchObject({ calls: 2, cost_usd: 5 });
      expect((await costReport({ ...window, key: 'key_mark', group_by: 'tag' }, context)).totals).toMatchObject({ calls: 2, cost_usd: 5 });
    } finally {
      await other.close();
    }
  });

  it('minute sums read again see the packs appended and deleted since', async () => {
    // The SQLite store keeps the minutes it has read, parsed: a later read must still match the table.
    const base = Date.UTC(2025, 8, 7, 12);
    const minuteQuery = { table: 'minute' as const, from: base, to: base + 10 * minute, filters: { key: 'key_cache' }, by: [] };
    const calls = async () => (await store.aggregateRollups(minuteQuery)).reduce((sum, group) => sum + group.measures.calls, 0);
    await store.recordUsage([testUsageRow('cache1', { createdAt: base, keyId: 'key_cache' })]);
    await store.recordUsage([testUsageRow('cache2', { createdAt: base + 10, keyId: 'key_cache' })]);
    expect(await calls()).toBe(2);
    // Another pack in the same minute, and one in the next.
    await store.recordUsage([testUsageRow('cache3', { createdAt: base + 20, keyId: 'key_cache' }), testUsageRow('cache4', { createdAt: base + minute, keyId: 'key_cache' })]);
    expect(await calls()).toBe(4);
    // Once past the mark, retention deletes the oldest minute packs first (every earlier test's too), here one
    // pack a statement: the first minute loses the packs it was read with one by one, and each read sees it.
    await store.recordUsage([testUsageRow('cache5', { createdAt: base + 3 * hour, keyId: 'key_cache' })]);
    const seen = new Set<number>();
    for (let statements = 0; statements < 10_000; statements++) {
      const now = await calls();
      seen.add(now);
      if (now === 1) break;
      await store.pruneUsage({ target: 'minute', before: base + minute, limit: 1 });
    }
    // 4, then 3 and 2 as the first minute's packs go, then only the next minute's call.
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
  });

  it('a writer that leaves compaction apart never moves the mark; compactRollups does, and the reports answer the same', async () => {
    // The gateway's usage writer: its batches append minutes only; the compactor's passes sum them into hours
    // and days. 22:00 to 02:30 the next day, a row every 10 minutes.
    const base = Date.UTC(2025, 8, 8, 22);
    const writer = await backend.open({ compactWithBatches: false });
    try {
      const markBefore = await store.rollupsCompactedUntil();
      expect(markBefore).toBeLessThan(base);
      const rows = Array.from({ length: 28 }, (_unused, index) =>
        testUsageRow(`sep${index}`, { createdAt: base + index * 10 * minute, keyId: `key_sep${index % 2}`, tags: [`s${index % 3}`], costUsd: index + 1 }),
      );
      await writer.recordUsage(rows.slice(0, 20));
      await writer.recordUsage(rows.slice(20));
      expect(await writer.rollupsCompactedUntil()).toBe(markBefore);
      const context = contextAt(base + day);
      const reports = async () => [
        await costReport({ window: '7d', group_by: 'key' }, context),
        await costReport({ from: iso(base), to: iso(base + 5 * hour), group_by: 'tag' }, context),
        await activityReport({ window: '2d', key: 'key_sep1' }, context),
        await timeseriesReport({ from: iso(base), to: iso(base + 5 * hour), bucket: '1h', metric: 'cost' }, context),
      ];
      const fromMinutes = await reports();
      const spentBySep = (report: Record<string, unknown>) =>
        Object.fromEntries((report.data as Array<{ group: string; cost_usd: number }>).filter((row) => row.group.startsWith('key_sep')).map((row) => [row.group, row.cost_usd]));
      expect(spentBySep(fromMinutes[0]!)).toEqual({ key_sep0: 196, key_sep1: 210 });
      // Up to 02:00, the hour of the latest minute (the hour under way is never compacted), passing midnight:
      // the 8th is compacted into its day.
      expect(await writer.compactRollups()).toBe(base + 4 * hour);
      expect(await store.rollupsCompactedUntil()).toBe(base + 4 * hour);
      expect(await reports()).toEqual(fromMinutes);
      // Nothing more is due; a row in the next hour makes 02:00–03:00 due.
      expect(await writer.compactRollups()).toBe(base + 4 * hour);
      await writer.recordUsage([testUsageRow('sep-next', { createdAt: base + 5 * hour, keyId: 'key_sep0', costUsd: 1 })]);
      expect(await writer.compactRollups()).toBe(base + 5 * hour);
      expect(spentBySep(await costReport({ window: '7d', group_by: 'key' }, contextAt(base + 6 * hour)))).toEqual({ key_sep0: 197, key_sep1: 210 });
    } finally {
      await writer.close();
    }
  });

  it('routing: attempts, retries, fallbacks, upstream time, overhead and throughput, per group and target, in every shape', async () => {
    const base = Date.UTC(2025, 8, 9, 6);
    const attempt = testAttempt;
    await store.recordUsage([
      testUsageRow('g1', { createdAt: base, groupName: 'coder', upstreamModel: 'a', latencyMs: 410, timeToFirstByteMs: 100, outputTokens: 100, costUsd: 0.1, attemptTrail: [attempt('openai:a', { durationMs: 400 })] }),
      testUsageRow('g2', {
        createdAt: base + minute,
        groupName: 'coder',
        provider: 'anthropic',
        upstreamModel: 'b',
        latencyMs: 1120,
        timeToFirstByteMs: 700,
        outputTokens: 50,
        costUsd: 0.5,
        attempts: 3,
        fallback: true,
        attemptTrail: [attempt('openai:a', { statusCode: 503, errorCode: 'upstream_error', durationMs: 50 }), attempt('openai:a', { statusCode: 503, errorCode: 'upstream_error', durationMs: 50 }), attempt('anthropic:b', { durationMs: 1000 })],
      }),
      testUsageRow('g3', { createdAt: base + 2 * minute, upstreamModel: 'a', latencyMs: 205, outputTokens: 1, attemptTrail: [attempt('openai:a', { durationMs: 200 })] }),
      testUsageRow('g4', {
        createdAt: base + hour + 5 * minute,
        groupName: 'coder',
        provider: 'anthropic',
        upstreamModel: 'b',
        outcome: 'error',
        statusCode: 500,
        errorCode: 'upstream_error',
        latencyMs: 250,
        outputTokens: 0,
        attempts: 2,
        fallback: true,
        attemptTrail: [attempt('openai:a', { statusCode: 500, errorCode: 'upstream_error', durationMs: 100 }), attempt('anthropic:b', { statusCode: 500, errorCode: 'upstream_error', durationMs: 100 })],
      }),
    ]);
    // A later row, so the two hours are compacted: the window reads the hour tables of every shape.
    await store.recordUsage([testUsageRow('g5', { createdAt: base + 3 * hour })]);
    await store.compactRollups();
    const context = contextAt(base + 3 * hour + 30 * minute);
    const window = { from: iso(base), to: iso(base + 2 * hour) };

    // Identity shape (by team), full shape (by group), model shape (by target): the same totals.
    for (const groupBy of ['team', 'group', 'target']) {
      expect((await costReport({ ...window, group_by: groupBy }, context)).totals, groupBy).toMatchObject({
        calls: 4,
        attempts: 7,
        retries: 1,
        fallbacks: 2,
        upstream_ms: 1900,
        fallback_rate: 0.5,
        retry_rate: 1 / 7,
        attempts_per_call: 7 / 4,
      });
    }
    const byTarget = (await costReport({ ...window, group_by: 'target' }, context)).data as Array<{ group: string; calls: number; fallbacks: number }>;
    expect(byTarget.map((row) => [row.group, row.calls, row.fallbacks]).sort()).toEqual([
      ['anthropic:b', 2, 2],
      ['openai:a', 2, 0],
    ]);

    // Activity shape: the gateway's own time (10, 20, 5 and 50 ms) and throughput (250, 50 and 5 tokens/s).
    const activity = await activityReport(window, context);
    const totals = activity.totals as { gateway_overhead_ms: { p50: number; p95: number }; output_tokens_per_second: { p50: number } };
    expect(totals.gateway_overhead_ms.p50).toBeGreaterThanOrEqual(8);
    expect(totals.gateway_overhead_ms.p50).toBeLessThanOrEqual(13);
    expect(totals.gateway_overhead_ms.p95).toBeGreaterThanOrEqual(50);
    expect(totals.gateway_overhead_ms.p95).toBeLessThanOrEqual(80);
    expect(totals.output_tokens_per_second.p50).toBeGreaterThanOrEqual(50);
    expect(totals.output_tokens_per_second.p50).toBeLessThanOrEqual(65);
    const served = (activity.latency as Array<Record<string, unknown>>).find((row) => row.target === 'anthropic:b');
    expect(served).toMatchObject({ calls: 2, fallback_rate: 1, attempts_per_call: 2.5, retry_rate: 0.2, output_tokens_per_second: { p50: expect.any(Number) } });

    // Routing shape: per group and target.
    const routing = await routingReport(window, context);
    expect(routing.groups).toEqual([
      expect.objectContaining({
        group: 'coder',
        configured: false,
        description: null,
        budget: null,
        calls: 3,
        errors: 1,
        success_rate: 2 / 3,
        fallback_rate: 2 / 3,
        retry_rate: 1 / 6,
        attempts_per_call: 2,
        cost_per_call: expect.closeTo(0.2, 10),
        targets: [
          // Unconfigured here: most calls first.
          expect.objectContaining({ target: 'anthropic:b', calls: 2, share: 2 / 3, success_rate: 0.5, fallback_rate: 1, retry_rate: 0.2, cost_per_call: 0.25 }),
          expect.objectContaining({ target: 'openai:a', calls: 1, share: 1 / 3, success_rate: 1, fallback_rate: 0, ttfb_ms: expect.objectContaining({ p50: expect.any(Number) }) }),
        ],
      }),
    ]);
    const ttfb = (routing.groups as Array<{ targets: Array<{ ttfb_ms: { p50: number } }> }>)[0]!.targets[0]!.ttfb_ms;
    expect(ttfb.p50).toBeGreaterThanOrEqual(500);
    expect(ttfb.p50).toBeLessThanOrEqual(750);

    // Rates per bucket stay rates: fallbacks over calls in each hour.
    const series = await timeseriesReport({ ...window, metric: 'fallback_rate', group_by: 'group', bucket: '1h' }, context);
    expect(series.series).toEqual(expect.arrayContaining([{ group: 'coder', values: [0.5, 1] }, { group: null, values: [0, 0] }]));
    const rate = await timeseriesReport({ ...window, metric: 'requests_per_second', bucket: '1h' }, context);
    expect(rate.series).toEqual([{ group: null, values: [3 / 3600, 1 / 3600] }]);
  });

  it('billed cost: summed over the rows that reported one, beside cost_usd, in minutes, hours and days of every shape', async () => {
    // 23:00 to 01:11 across midnight: the 9th is compacted into its day, the 10th's first two hours into
    // hours; the one-minute windows below read minutes.
    const midnight = Date.UTC(2025, 8, 10);
    const billed = (id: string, createdAt: number, fields: Partial<UsageRow>) =>
      testUsageRow(id, { createdAt, keyId: 'key_billed', teamName: 'billing', groupName: 'routed', latencyMs: 300, attemptTrail: [testAttempt('openai:gpt-4o-mini', { durationMs: 290 })], ...fields });
    await store.recordUsage([
      billed('bc1', midnight - hour + 5 * minute, { costUsd: 1, billedCostUsd: 1.25 }),
      // Billed nothing: counted as a billed call of $0, not as a call that reported no cost.
      billed('bc2', midnight - hour + 6 * minute, { costUsd: 0.5, billedCostUsd: 0 }),
      billed('bc3', midnight - 10 * minute, { costUsd: 2, billedCostUsd: null }),
      billed('bc4', midnight + 20 * minute, { costUsd: 4, billedCostUsd: 3.5, provider: 'anthropic', upstreamModel: 'claude-haiku-4-5' }),
      billed('bc5', midnight + hour + 10 * minute, { costUsd: 8, billedCostUsd: 0.125 }),
      // Never billed: the model's rows report no billed cost.
      billed('bc6', midnight + hour + 11 * minute, { costUsd: 16, billedCostUsd: null, upstreamModel: 'gpt-4.1' }),
    ]);
    await store.recordUsage([testUsageRow('bc-next', { createdAt: midnight + 2 * hour, keyId: 'key_other' })]);
    await store.compactRollups();
    expect(await store.rollupsCompactedUntil()).toBeGreaterThanOrEqual(midnight + hour);
    const context = contextAt(midnight + hour + 30 * minute);
    const window = { from: iso(midnight - day), to: iso(midnight + 2 * hour), key: 'key_billed' };

    // The full shape (by group), the identity shape (by team), the model and spend shapes, and the activity shape.
    for (const groupBy of ['group', 'team', 'target', 'key']) {
      expect((await costReport({ ...window, group_by: groupBy }, context)).totals, groupBy).toMatchObject({ calls: 6, cost_usd: 31.5, billed_cost_usd: 4.875, billed_calls: 4 });
    }
    expect((await activityReport(window, context)).totals).toMatchObject({ cost_usd: 31.5, billed_cost_usd: 4.875, billed_calls: 4 });
    // The routing shape (a group filter alone).
    expect((await costReport({ from: window.from, to: window.to, group: 'routed' }, context)).totals).toMatchObject({ calls: 6, billed_cost_usd: 4.875, billed_calls: 4 });
    const byModel = (await costReport({ ...window, group_by: 'model' }, context)).data as Array<{ group: string; cost_usd: number; billed_cost_usd: number | null; billed_calls: number }>;
    expect(byModel.map((row) => [row.group, row.cost_usd, row.billed_cost_usd, row.billed_calls])).toEqual([
      ['gpt-4.1', 16, null, 0],
      ['gpt-4o-mini', 11.5, 1.375, 3],
      ['claude-haiku-4-5', 4, 3.5, 1],
    ]);
    // One call billed $0: "0", not "not reported".
    expect((await costReport({ from: iso(midnight - hour + 6 * minute), to: iso(midnight - hour + 7 * minute), key: 'key_billed' }, context)).totals).toMatchObject({
      calls: 1,
      billed_cost_usd: 0,
      billed_calls: 1,
    });
    expect((await costReport({ from: iso(midnight - 10 * minute), to: iso(midnight), key: 'key_billed' }, context)).totals).toMatchObject({ calls: 1, billed_cost_usd: null, billed_calls: 0 });
    const series = await timeseriesReport({ ...window, metric: 'billed_cost', bucket: '1h', from: iso(midnight - hour), to: iso(midnight + 2 * hour) }, context);
    expect(series.series).toEqual([{ group: null, values: [1.25, 3.5, 0.125] }]);
  });

  it('retention deletes old rows with their attempts and old rollups, in batches, and keeps the rest', async () => {
    const now = Date.UTC(2025, 8, 10, 12);
    const old = Array.from({ length: 7 }, (_unused, index) => testUsageRow(`p${index}`, { createdAt: now - 100 * day - index * hour, keyId: 'key_p', costUsd: 1, attemptTrail: [testAttempt('openai:gpt-4o-mini')] }));
    const recent = testUsageRow('p-recent', { createdAt: now - hour, keyId: 'key_p', costUsd: 1 });
    await store.recordUsage([...old, recent]);
    const retention = new UsageRetention({ store, logger, retainDays: 90, retainRollupDays: 0, batchSize: 3, pauseMs: 1, clock: () => now });
    const deleted = await retention.prune();
    // Rows of every earlier test are older than 90 days before `now` too: count only this test's.
    expect(deleted.rows).toBeGreaterThanOrEqual(7);
    expect(await store.usageRow('p0')).toBeUndefined();
    expect(await store.usageAttempts('p0')).toEqual([]);
    expect(await store.usageRow('p-recent')).toMatchObject({ id: 'p-recent' });
    // The rollups still answer for the deleted rows.
    const context = contextAt(now);
    expect((await costReport({ window: '120d', key: 'key_p' }, context)).totals).toMatchObject({ calls: 8, cost_usd: 8 });
    const rollups = new UsageRetention({ store, logger, retainDays: 0, retainRollupDays: 30, batchSize: 2, pauseMs: 1, clock: () => now });
    await rollups.prune();
    expect((await costReport({ window: '120d', key: 'key_p' }, context)).totals).toMatchObject({ calls: 1, cost_usd: 1 });
  });

  it('the migration back-fills rollups from rows stored before it', async () => {
    await store.close();
    // Written by a store that keeps no rollups, as an older Sluice did; within the minute rollups' days.
    const now = Date.now();
    const rows = [
      testUsageRow('b1', { createdAt: now - 2 * hour, keyId: 'key_b', tags: ['z', 'y', 'z'], costUsd: 1.5, latencyMs: 120, timeToFirstByteMs: 30 }),
      testUsageRow('b2', { createdAt: now - 2 * day, keyId: 'key_b', outcome: 'error', statusCode: 500, errorCode: 'upstream_error', cached: true, savedCostUsd: 0.5 }),
      testUsageRow('b3', { createdAt: now - 5 * minute, keyId: 'key_b', upstreamModel: null, requestedModel: 'asked', provider: null, costUsd: 0.25 }),
    ];
    const plain = await backend.open({ rollups: false });
    await plain.recordUsage(rows);
    await plain.close();
    await backend.rewindRollups();
    store = await backend.open();
    const context = contextAt(now);
    const filled = await costReport({ window: '3d', key: 'key_b', group_by: 'tag' }, context);
    expect(filled.totals).toMatchObject({ calls: 3, errors: 1, cost_usd: 1.75, saved_usd: 0.5, cache_hits: 1 });
    expect((filled.data as Array<{ group: string | null }>).map((row) => row.group).sort()).toEqual(['y', 'z', null].sort());
    expect(((await costReport({ window: '10m', key: 'key_b', group_by: 'model' }, context)).data as Array<{ group: string }>).map((row) => row.group)).toEqual(['asked']);
    const activity = await activityReport({ window: '3h', key: 'key_b', model: 'gpt-4o-mini' }, context);
    expect((activity.latency as Array<{ latency_ms: { p50: number } }>)[0]!.latency_ms.p50).toBeGreaterThanOrEqual(100);
    // Rows written after the back-fill add to the same rollups.
    await store.recordUsage([testUsageRow('b4', { createdAt: now - 2 * hour, keyId: 'key_b', tags: ['y', 'z'], costUsd: 1 })]);
    expect((await costReport({ window: '3d', key: 'key_b' }, context)).totals).toMatchObject({ calls: 4, cost_usd: 2.75 });
  });
});
