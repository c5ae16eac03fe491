import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { AttemptRecord } from '../../src/domain/attempt-record.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { testAttempt, testUsageRow } from '../helpers/usage-rows.js';

/** The store contract, run on SQLite and on the real PostgreSQL on the machine. */
const directory = await mkdtemp(join(tmpdir(), 'sluice-store-'));
const postgres = await createTestDatabase();
const backends: Array<{ name: string; open: () => Promise<Store> }> = [{ name: 'sqlite', open: async () => new SqliteStore(join(directory, 'contract.db')) }];
if ('url' in postgres) backends.push({ name: 'postgres', open: () => PostgresStore.open(postgres.url) });
else console.warn(`[store contract] skipping PostgreSQL: ${postgres.skipReason}`);

afterAll(async () => {
  if ('url' in postgres) await postgres.drop();
  await rm(directory, { recursive: true, force: true });
});

function row(id: string, overrides: Partial<UsageRow> = {}): UsageRow {
  return testUsageRow(id, {
    keyId: 'key_a',
    userName: 'ada',
    teamName: 'research',
    requester: 'end-user',
    tags: ['t1'],
    requestedModel: 'mini',
    reportedModel: 'gpt-4o-mini-2024',
    stream: true,
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 2,
    reasoningTokens: 1,
    costUsd: 0.25,
    priceSource: 'config',
    priceRates: { request: 0, input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: 0.15 },
    latencyMs: 12.5,
    timeToFirstByteMs: 3.25,
    attemptTrail: [attempt('openai:gpt-4o-mini', { statusCode: 200, timeToFirstByteMs: 3.25, durationMs: 12.25 })],
    ...overrides,
  });
}

function attempt(target: string, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return testAttempt(target, { timeToFirstByteMs: 2.5, durationMs: 10.5, ...overrides });
}

/** A call to group `fast` that failed over twice: a 429 with retry-after, a connection error, then an answer. */
function failedOverRow(id: string, createdAt: number): UsageRow {
  return row(id, {
    createdAt,
    requestedModel: 'fast',
    groupName: 'fast',
    policy: 'failover',
    provider: 'anthropic',
    upstreamModel: 'claude-haiku-4-5',
    attempts: 3,
    fallback: true,
    queueWaitMs: 41.5,
    costUsd: 0.125,
    attemptTrail: [
      attempt('openai:gpt-4o-mini', { statusCode: 429, errorCode: 'upstream_error', retryAfterMs: 30_000, timeToFirstByteMs: 4.75, durationMs: 5.5 }),
      attempt('mistral:mistral-small-latest', { statusCode: null, errorCode: 'upstream_unreachable', timeToFirstByteMs: null, durationMs: 1.25 }),
      attempt('anthropic:claude-haiku-4-5', { statusCode: 200, timeToFirstByteMs: 120.5, durationMs: 900.75 }),
    ],
  });
}

describe.each(backends)('$name store', (backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await backend.open();
    return () => store.close();
  });

  it('keys: create, find changes, update, revoke', async () => {
    const created = await store.createKey({ name: 'k1', hash: 'h1', hint: 'sk-…1', userName: 'ada', teamName: null, allowedModels: ['haiku'], role: 'admin', limits: { requestsPerMinute: 5 } });
    expect(created).toMatchObject({ role: 'admin', isAdmin: true });
    expect(created.id).toMatch(/^key_/);
    expect(await store.listKeys()).toEqual([created]);
    await expect(store.createKey({ ...created, hash: 'h2' })).rejects.toThrow();
    expect(await store.keysChangedSince(created.updatedAt + 10_000)).toEqual([]);
    // The update must carry a later timestamp than the creation: wait for the clock to tick past it, no longer.
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(created.updatedAt), { timeout: 1_000, interval: 1 });
    const updated = await store.updateKey('k1', { teamName: 'research', limits: { budget: { period: 'day', hardUsd: 2 } } });
    expect(updated).toMatchObject({ teamName: 'research', userName: 'ada', limits: { budget: { period: 'day', hardUsd: 2 } } });
    expect(await store.updateKey('k1', { role: 'analytics' })).toMatchObject({ role: 'analytics', isAdmin: false });
    expect(updated!.updatedAt).toBeGreaterThan(created.updatedAt);
    const revoked = await store.revokeKey(created.id);
    expect(revoked?.revokedAt).not.toBeNull();
    expect(await store.revokeKey('nobody')).toBeUndefined();
    expect((await store.keysChangedSince(created.updatedAt)).map((key) => key.id)).toEqual([created.id]);
  });

  it('users and teams: upsert and list', async () => {
    await store.setPrincipal('team', { name: 'research', limits: { requestsPerMinute: 60 }, allowedModels: ['anthropic:*'] });
    await store.setPrincipal('team', { name: 'research', limits: { requestsPerMinute: 30 }, allowedModels: null });
    await store.setPrincipal('user', { name: 'ada', limits: {}, allowedModels: null });
    expect(await store.listPrincipals('team')).toMatchObject([{ name: 'research', limits: { requestsPerMinute: 30 }, allowedModels: null }]);
    expect((await store.listPrincipals('user')).map((user) => user.name)).toEqual(['ada']);
  });

  it('provider keys: set, replace, list, delete', async () => {
    await store.setProviderKey('anthropic', 'v1.sealed-a');
    await store.setProviderKey('anthropic', 'v1.sealed-b');
    expect(await store.listProviderKeys()).toMatchObject([{ provider: 'anthropic', sealedKey: 'v1.sealed-b' }]);
    expect(await store.deleteProviderKey('anthropic')).toBe(true);
    expect(await store.deleteProviderKey('anthropic')).toBe(false);
  });

  it('usage rows: batch write round-trips every field, idempotently, and totals and summaries add up', async () => {
    const rows = [row('01A'), row('01B', { stream: false, costUsd: null, outcome: 'error', statusCode: 429, errorCode: 'rate_limited.key.requests_per_minute', cached: true, savedCostUsd: 0.5 }), row('01C', { keyId: 'key_b', teamName: 'other' })];
    await store.recordUsage(rows);
    expect((await store.recentUsage({ limit: 10 })).reverse()).toEqual(rows);
    const totals = await store.usageTotals({ scope: 'team', subject: 'research', since: 0 });
    expect(totals).toEqual({ requests: 2, inputTokens: 20, outputTokens: 10, costUsd: 0.25, billedCostUsd: 0, costPreferringBilledUsd: 0.25 });
    const byModel = await store.summarizeUsage({ since: 0, by: 'model' });
    expect(byModel).toEqual([{ group: 'gpt-4o-mini', requests: 3, errors: 1, inputTokens: 30, outputTokens: 15, cacheReadTokens: 6, cacheWriteTokens: 0, costUsd: 0.5 }]);
  });

  it('usage attempts: a trail round-trips with its row, is readable by usage id, and a re-insert writes nothing twice', async () => {
    // Later than every other row here, so this test's rows are the most recent.
    const at = Date.parse('2100-01-01T00:00:00Z');
    const failedOver = failedOverRow('02A', at);
    const refused = row('02B', { createdAt: at, attempts: 0, attemptTrail: [], statusCode: 429, outcome: 'error', errorCode: 'rate_limited.key.requests_per_minute', provider: null, upstreamModel: null, costUsd: null });
    await store.recordUsage([failedOver, refused]);
    expect((await store.recentUsage({ limit: 2 })).reverse()).toEqual([failedOver, refused]);
    expect(await store.usageAttempts('02A')).toEqual(failedOver.attemptTrail);
    expect(await store.usageAttempts('02B')).toEqual([]);
    expect(await store.usageAttempts('no-such-row')).toEqual([]);

    // A batch retried after its answer was lost, here carrying a different trail: what was stored stays.
    const retried = { ...failedOver, attemptTrail: [attempt('gemini:gemini-2.5-flash'), ...failedOver.attemptTrail] };
    const later = failedOverRow('02C', at);
    await store.recordUsage([retried, refused, later]);
    expect(await store.usageAttempts('02A')).toEqual(failedOver.attemptTrail);
    expect(await store.usageAttempts('02C')).toEqual(later.attemptTrail);
    expect((await store.recentUsage({ limit: 3 })).map((item) => [item.id, item.attemptTrail.length])).toEqual([['02C', 3], ['02B', 0], ['02A', 3]]);
  });

  it('usage summaries by group and by target', async () => {
    const at = Date.parse('2200-01-01T00:00:00Z');
    await store.recordUsage([
      failedOverRow('03A', at),
      failedOverRow('03B', at),
      row('03C', { createdAt: at, costUsd: 0.5 }),
      row('03D', { createdAt: at, provider: null, upstreamModel: null, attempts: 0, attemptTrail: [], outcome: 'error', statusCode: 400, errorCode: 'no_eligible_target', groupName: 'fast', policy: 'failover', costUsd: null }),
    ]);
    const totals = { inputTokens: 10, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 0 };
    expect(await store.summarizeUsage({ since: at, by: 'group' })).toEqual([
      { group: null, requests: 1, errors: 0, ...totals, costUsd: 0.5 },
      { group: 'fast', requests: 3, errors: 1, inputTokens: 30, outputTokens: 15, cacheReadTokens: 6, cacheWriteTokens: 0, costUsd: 0.25 },
    ]);
    expect(await store.summarizeUsage({ since: at, by: 'target' })).toEqual([
      { group: 'openai:gpt-4o-mini', requests: 1, errors: 0, ...totals, costUsd: 0.5 },
      { group: 'anthropic:claude-haiku-4-5', requests: 2, errors: 0, inputTokens: 20, outputTokens: 10, cacheReadTokens: 4, cacheWriteTokens: 0, costUsd: 0.25 },
      { group: null, requests: 1, errors: 1, ...totals, costUsd: null },
    ]);
  });

  it('usage summaries by requester, and for one requester only', async () => {
    const at = Date.parse('2200-01-02T00:00:00Z');
    await store.recordUsage([
      row('04A', { createdAt: at, requester: 'alice', costUsd: 0.5 }),
      row('04B', { createdAt: at, requester: 'alice', provider: 'anthropic', upstreamModel: 'claude-haiku-4-5', costUsd: 0.25 }),
      row('04C', { createdAt: at, requester: 'bob', costUsd: 0.125 }),
      row('04D', { createdAt: at, requester: null, costUsd: null }),
    ]);
    const totals = { errors: 0, inputTokens: 10, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 0 };
    expect(await store.summarizeUsage({ since: at, by: 'requester' })).toEqual([
      { group: 'alice', requests: 2, ...totals, inputTokens: 20, outputTokens: 10, cacheReadTokens: 4, costUsd: 0.75 },
      { group: 'bob', requests: 1, ...totals, costUsd: 0.125 },
      { group: null, requests: 1, ...totals, costUsd: null },
    ]);
    expect(await store.summarizeUsage({ since: at, by: 'provider', requester: 'alice' })).toEqual([
      { group: 'openai', requests: 1, ...totals, costUsd: 0.5 },
      { group: 'anthropic', requests: 1, ...totals, costUsd: 0.25 },
    ]);
    expect(await store.summarizeUsage({ since: at, by: 'model', requester: 'nobody' })).toEqual([]);
  });

  it("usage totals of a model group, and of one key's calls in it (the baselines of group budgets)", async () => {
    // Far in the future, so the totals read only these rows.
    const at = Date.parse('2200-01-01T00:00:00Z');
    await store.recordUsage([
      row('05A', { createdAt: at, keyId: 'key_g1', groupName: 'big-coder', costUsd: 1 }),
      row('05B', { createdAt: at, keyId: 'key_g2', groupName: 'big-coder', costUsd: 2 }),
      row('05C', { createdAt: at, keyId: 'key_g1', groupName: 'fast', costUsd: 4 }),
      row('05D', { createdAt: at, keyId: 'key_g1', groupName: null, costUsd: 8 }),
    ]);
    expect(await store.usageTotals({ scope: 'group', subject: 'big-coder', since: at })).toMatchObject({ requests: 2, costUsd: 3 });
    expect(await store.usageTotals({ scope: 'key', subject: 'key_g1', since: at, group: 'big-coder' })).toMatchObject({ requests: 1, costUsd: 1 });
    expect(await store.usageTotals({ scope: 'key', subject: 'key_g1', since: at })).toMatchObject({ requests: 3, costUsd: 13 });
  });

  // Last: its rows would otherwise count in the summaries and recent rows the tests above read.
  it('every cost: image counts, image tokens and billed costs round-trip; totals sum billed beside priced, and prefer billed row by row', async () => {
    const imageRates = { request: 0, input: 5, output: 40, cacheRead: 1.25, cacheWrite: 5, inputImage: 10 };
    const rows = [
      row('09COST-A', { teamName: 'billing', imageCount: 3, imageTokens: 765, costUsd: 0.02, billedCostUsd: 0.05, priceRates: imageRates }),
      row('09COST-B', { teamName: 'billing', costUsd: 0.01, billedCostUsd: null }),
      row('09COST-C', { teamName: 'billing', costUsd: null, billedCostUsd: 0.125 }),
    ];
    await store.recordUsage(rows);
    expect(await store.usageRow('09COST-A')).toEqual(rows[0]);
    expect(await store.usageRow('09COST-C')).toMatchObject({ imageCount: 0, imageTokens: 0, costUsd: null, billedCostUsd: 0.125 });
    const totals = await store.usageTotals({ scope: 'team', subject: 'billing', since: 0 });
    expect(totals.costUsd).toBeCloseTo(0.03, 12);
    expect(totals.billedCostUsd).toBeCloseTo(0.175, 12);
    // Billed where reported (0.05, 0.125), else priced (0.01).
    expect(totals.costPreferringBilledUsd).toBeCloseTo(0.185, 12);
  });
});
