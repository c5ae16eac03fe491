import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { UsageRow } from '../../src/usage/usage-row.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';

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
  return {
    id,
    createdAt: Date.now(),
    keyId: 'key_a',
    userName: 'ada',
    teamName: 'research',
    requester: 'end-user',
    tags: ['t1'],
    inboundDialect: 'openai-chat',
    provider: 'openai',
    requestedModel: 'mini',
    upstreamModel: 'gpt-4o-mini',
    reportedModel: 'gpt-4o-mini-2024',
    stream: true,
    callerProviderKey: false,
    statusCode: 200,
    outcome: 'ok',
    errorCode: null,
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 2,
    cacheWriteTokens: 0,
    reasoningTokens: 1,
    outputTokensEstimated: false,
    inputTokensEstimated: false,
    cached: false,
    savedCostUsd: null,
    costUsd: 0.25,
    latencyMs: 12.5,
    timeToFirstByteMs: 3.25,
    ...overrides,
  };
}

describe.each(backends)('$name store', (backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await backend.open();
    return () => store.close();
  });

  it('keys: create, find changes, update, revoke', async () => {
    const created = await store.createKey({ name: 'k1', hash: 'h1', hint: 'sk-…1', userName: 'ada', teamName: null, allowedModels: ['haiku'], isAdmin: true, limits: { requestsPerMinute: 5 } });
    expect(created.id).toMatch(/^key_/);
    expect(await store.listKeys()).toEqual([created]);
    await expect(store.createKey({ ...created, hash: 'h2' })).rejects.toThrow();
    expect(await store.keysChangedSince(created.updatedAt + 10_000)).toEqual([]);
    // The update must carry a later timestamp than the creation: wait for the clock to tick past it, no longer.
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(created.updatedAt), { timeout: 1_000, interval: 1 });
    const updated = await store.updateKey('k1', { teamName: 'research', limits: { budget: { period: 'day', hardUsd: 2 } } });
    expect(updated).toMatchObject({ teamName: 'research', userName: 'ada', limits: { budget: { period: 'day', hardUsd: 2 } } });
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
    expect(totals).toEqual({ requests: 2, inputTokens: 20, outputTokens: 10, costUsd: 0.25 });
    const byModel = await store.summarizeUsage({ since: 0, by: 'model' });
    expect(byModel).toEqual([{ group: 'gpt-4o-mini', requests: 3, errors: 1, inputTokens: 30, outputTokens: 15, cacheReadTokens: 6, cacheWriteTokens: 0, costUsd: 0.5 }]);
  });
});
