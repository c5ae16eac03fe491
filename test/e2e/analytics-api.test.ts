import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sluiceApiVersions } from '../../src/server/api-version/api-versions.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';
import { testAttempt, testUsageRow } from '../helpers/usage-rows.js';

let harness: TestGateway;
let analyticsToken: string;
let adminToken: string;
let metricsToken: string;
let servedId: string;

const get = (path: string, token: string | null = analyticsToken) => fetch(`${harness.url}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
const json = async <T = Record<string, unknown>>(path: string, token?: string): Promise<T> => {
  const response = await get(path, token);
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as T;
};

beforeAll(async () => {
  harness = await startTestGateway({
    pricing: { 'openai:gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
    // Called only by the last test, whose calls follow every other test's.
    groups: { relay: { policy: 'failover', targets: [{ model: 'openai:relay-a' }, { model: 'anthropic:relay-b' }], retry: { attempts: 2, maxRetryAfterMs: 5_000 } } },
  });
  analyticsToken = await harness.issueKey({ name: 'reader', role: 'analytics' });
  adminToken = await harness.issueKey({ name: 'boss', role: 'admin' });
  metricsToken = await harness.issueKey({ name: 'scraper', role: 'metrics' });
  // A real call through the gateway (test key: user ada, team research), priced by the config override.
  const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1` });
  const answer = await client.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
  servedId = answer.response.headers.get('x-sluice-request-id')!;
  await harness.usageRows();
});
afterAll(() => harness.close());

describe('analytics API', () => {
  it('answers admin and analytics keys only: no key 401, ordinary and metrics keys 403', async () => {
    expect((await get('/analytics/cost', null)).status).toBe(401);
    const ordinary = await get('/analytics/cost', harness.token);
    expect(ordinary.status).toBe(403);
    expect(((await ordinary.json()) as { error: { type: string } }).error.type).toBeDefined();
    expect((await get('/analytics/by_key', metricsToken)).status).toBe(403);
    for (const token of [analyticsToken, adminToken]) {
      const response = await get('/analytics/cost', token);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('sluice-api-version')).toBe(sluiceApiVersions.current.name);
    }
    expect((await get('/analytics/requests', harness.token)).status).toBe(403);
  });

  it('every report has the contract shape and counts the real call', async () => {
    const cost = await json<{ object: string; totals: Record<string, number>; data: Array<Record<string, unknown>> }>('/analytics/cost?window=1h&group_by=model');
    expect(cost).toMatchObject({ object: 'analytics.cost', group_by: 'model' });
    expect(cost.totals).toMatchObject({ calls: 1, errors: 0, cancelled: 0, cache_hits: 0 });
    expect(Object.keys(cost.totals).sort()).toEqual([
      'attempts',
      'attempts_per_call',
      'billed_calls',
      'billed_cost_usd',
      'cache_hits',
      'cache_read_tokens',
      'cache_write_tokens',
      'calls',
      'cancelled',
      'cost_usd',
      'errors',
      'fallback_rate',
      'fallbacks',
      'input_tokens',
      'output_tokens',
      'reasoning_tokens',
      'retries',
      'retry_rate',
      'saved_usd',
      'upstream_ms',
    ]);
    expect(cost.totals).toMatchObject({ attempts: 1, retries: 0, fallbacks: 0, attempts_per_call: 1, fallback_rate: 0, retry_rate: 0 });
    expect(cost.totals.upstream_ms).toBeGreaterThan(0);
    expect(cost.totals.cost_usd).toBeGreaterThan(0);
    // The mock reports no cost of its own.
    expect(cost.totals).toMatchObject({ billed_cost_usd: null, billed_calls: 0 });
    expect(cost.data).toEqual([expect.objectContaining({ group: 'gpt-4o-mini', calls: 1 })]);
    const byKey = await json<{ data: Array<Record<string, unknown>> }>('/analytics/cost?window=1h&group_by=key');
    expect(byKey.data[0]).toMatchObject({ key_name: 'test-key' });

    const series = await json<{ buckets: string[]; series: Array<{ group: null; values: number[] }> }>('/analytics/timeseries?window=1h&metric=calls');
    expect(series).toMatchObject({ object: 'analytics.timeseries', bucket: '1m', metric: 'calls', group_by: null });
    expect(series.buckets.length).toBeGreaterThanOrEqual(60);
    expect(series.series[0]!.values.reduce((sum, value) => sum + value, 0)).toBe(1);

    const activity = await json<Record<string, unknown>>('/analytics/activity?window=1h');
    expect(activity).toMatchObject({ object: 'analytics.activity', totals: { calls: 1, error_rate: 0, cache_hit_rate: 0 }, errors_by_code: [] });
    expect(activity.latency).toEqual([expect.objectContaining({ provider: 'openai', model: 'gpt-4o-mini', calls: 1, latency_ms: expect.objectContaining({ p50: expect.any(Number) }) })]);

    expect(await json('/analytics/by_team?window=1h')).toMatchObject({
      object: 'analytics.by_team',
      top: { name: 'research', share: 1 },
      data: [{ team: 'research', calls: 1, users: 1, quota: null, by_user: [{ user: 'ada', calls: 1 }] }],
    });
    expect(await json('/analytics/by_user?window=1h')).toMatchObject({ object: 'analytics.by_user', data: [{ user: 'ada', team: 'research', calls: 1, quota: null }] });
    expect(await json('/analytics/by_key?window=1h')).toMatchObject({
      object: 'analytics.by_key',
      data: [{ key_name: 'test-key', user: 'ada', team: 'research', revoked: false, calls: 1, dialects: ['openai-chat'], calls_by_dialect: [{ dialect: 'openai-chat', calls: 1 }], last_call_at: expect.any(String), quota: null }],
    });

    const log = await json<{ object: string; data: Array<Record<string, unknown>>; next_cursor: null }>('/analytics/requests?window=1h');
    expect(log).toMatchObject({ object: 'list', next_cursor: null });
    expect(log.data).toEqual([expect.objectContaining({ id: servedId, key_name: 'test-key', requested_model: 'mini', served_model: 'gpt-4o-mini', provider: 'openai', outcome: 'ok', cached: false, attempts: 1 })]);

    const detail = await json<Record<string, unknown>>(`/analytics/requests/${servedId}`);
    expect(detail).toMatchObject({ object: 'analytics.request', id: servedId, fallback: false, attempt_trail: [expect.objectContaining({ target: 'openai:gpt-4o-mini', status_code: 200 })] });
    expect(detail.price).toMatchObject({ source: 'config', rates_per_mtok: { input: 0.15, output: 0.6 }, explanation: expect.stringMatching(/input × \$0\.15\/Mtok .*output × \$0\.6\/Mtok = \$/) });
    const missing = await get('/analytics/requests/01NOSUCHREQUEST');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('request_not_found');
  });

  it('refuses bad parameters with a 400 naming them', async () => {
    const cases: Array<[string, string]> = [
      ['/analytics/cost?window=soon', 'window'],
      ['/analytics/cost?window=401d', 'window'],
      ['/analytics/cost?group_by=color', 'group_by'],
      ['/analytics/cost?from=2026-11-22T10:00:00Z&to=2026-11-22T09:00:00Z', 'from'],
      ['/analytics/cost?from=yesterday', 'from'],
      ['/analytics/timeseries?bucket=2m', 'bucket'],
      ['/analytics/timeseries?window=30d&bucket=1m', 'bucket'],
      ['/analytics/timeseries?metric=joy', 'metric'],
      ['/analytics/requests?limit=0', 'limit'],
      ['/analytics/requests?outcome=maybe', 'outcome'],
      ['/analytics/requests?cached=yes', 'cached'],
      ['/analytics/requests?cursor=bm9wZQ', 'cursor'],
      ['/analytics/by_team?team=', 'team'],
    ];
    for (const [path, param] of cases) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as { error: { type: string; param: string; message: string } };
      expect(body.error, path).toMatchObject({ type: 'invalid_request_error', param });
    }
    const body = (await (await get('/analytics/cost?group_by=color')).json()) as { error: { message: string } };
    expect(body.error.message).toContain('model, provider, key, user, team, tag, requester, group, target');
  });

  it('pages the request log: 250 rows by 40, no duplicates and no gaps while new rows arrive', async () => {
    const now = Date.now();
    const rows = Array.from({ length: 250 }, (_unused, index) =>
      testUsageRow(`01PAGE${String(index).padStart(6, '0')}`, { createdAt: now - 30 * 60_000 + Math.floor(index / 4) * 1_000, keyId: 'key_pages', requester: 'pager', attemptTrail: [testAttempt('openai:gpt-4o-mini')] }),
    );
    await harness.gateway.services.store.recordUsage(rows);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { data: Array<{ id: string }>; next_cursor: string | null } = await json(`/analytics/requests?requester=pager&limit=40${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.data.map((row) => row.id));
      cursor = page.next_cursor;
      // Between pages new calls keep arriving, newer than anything listed.
      await harness.gateway.services.store.recordUsage([testUsageRow(`01PAGENEW${pages}`, { createdAt: Date.now(), requester: 'pager' })]);
      pages++;
    } while (cursor);
    expect(pages).toBe(7);
    expect(new Set(seen).size).toBe(250);
    expect(seen).toEqual(rows.map((row) => row.id).reverse());
  });

  it('spend by identity: distinct users per team and calls per API shape per key, from the rollups', async () => {
    const store = harness.gateway.services.store;
    const at = Date.now() - 2 * 3_600_000;
    const row = (id: string, userName: string | null, inboundDialect: UsageRow['inboundDialect']) => testUsageRow(id, { createdAt: at, keyId: 'key_shapes', userName, teamName: 'shapes', inboundDialect, costUsd: 0.5 });
    await store.recordUsage([
      ...Array.from({ length: 3 }, (_unused, index) => row(`01SHAPEOC${index}`, 'hopper', 'openai-chat')),
      ...Array.from({ length: 2 }, (_unused, index) => row(`01SHAPEAM${index}`, 'lovelace', 'anthropic-messages')),
      row('01SHAPENOUSER', null, 'openai-responses'),
    ]);
    const window = `from=${new Date(at - 60_000).toISOString()}&to=${new Date(at + 60_000).toISOString()}`;
    const teams = await json<{ data: Array<{ team: string; users: number; by_user: Array<{ user: string | null }> }> }>(`/analytics/by_team?${window}`);
    expect(teams.data).toEqual([expect.objectContaining({ team: 'shapes', calls: 6, users: 2 })]);
    expect(teams.data[0]!.by_user.map((user) => user.user)).toEqual(['hopper', 'lovelace', null]);
    const keys = await json<{ data: Array<Record<string, unknown>> }>(`/analytics/by_key?${window}`);
    expect(keys.data).toEqual([
      expect.objectContaining({
        key_id: 'key_shapes',
        calls: 6,
        dialects: ['anthropic-messages', 'openai-chat', 'openai-responses'],
        calls_by_dialect: [
          { dialect: 'openai-chat', calls: 3 },
          { dialect: 'anthropic-messages', calls: 2 },
          { dialect: 'openai-responses', calls: 1 },
        ],
      }),
    ]);
    // Scoped to one user (the dashboard's drill-down from a team's users): that user's calls and shapes only.
    const hopper = await json<{ data: Array<Record<string, unknown>> }>(`/analytics/by_key?${window}&user=hopper`);
    expect(hopper.data).toEqual([expect.objectContaining({ key_id: 'key_shapes', calls: 3, calls_by_dialect: [{ dialect: 'openai-chat', calls: 3 }] })]);
  });

  it('quota: a team budget and its spend this period, and a top team over half the spend', async () => {
    const store = harness.gateway.services.store;
    await store.setPrincipal('team', { name: 'research', limits: { budget: { period: 'month', hardUsd: 10, softUsd: 5 } }, allowedModels: null });
    await harness.gateway.services.principals.reload();
    await store.recordUsage([
      testUsageRow('01QUOTA1', { createdAt: Date.now() - 60_000, keyId: 'key_quota', userName: 'grace', teamName: 'research', costUsd: 3 }),
      testUsageRow('01QUOTA2', { createdAt: Date.now() - 60_000, keyId: 'key_quota2', userName: 'linus', teamName: 'ops', costUsd: 1 }),
    ]);
    const teams = await json<{ top: { name: string; share: number }; data: Array<{ team: string; quota: Record<string, unknown> | null; by_user: Array<{ user: string }> }> }>('/analytics/by_team?window=1h');
    expect(teams.top).toMatchObject({ name: 'research' });
    expect(teams.top.share).toBeGreaterThan(0.7);
    const research = teams.data.find((team) => team.team === 'research')!;
    expect(research.quota).toMatchObject({ period: 'month', hard_usd: 10, soft_usd: 5 });
    expect(research.quota!.spent_usd).toBeGreaterThanOrEqual(3);
    expect(research.by_user.map((user) => user.user).sort()).toEqual(['ada', 'grace']);
    expect(teams.data.find((team) => team.team === 'ops')!.quota).toBeNull();
  });

  it('routing: a group that retries and fails over shows its attempts, retries and fallbacks in every report', async () => {
    const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const since = new Date(Date.now() - 60_000).toISOString();
    // A clean call served by the first target, then one whose first target fails twice (a retry) before
    // the second answers (a fallback): 2 calls, 4 attempts, 1 retry, 1 fallback.
    const clean = await client.chat.completions.create({ model: 'relay', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(clean.response.headers.get('x-sluice-route')).toBe('openai:relay-a=200');
    harness.upstream.enqueue({ status: 503 });
    harness.upstream.enqueue({ status: 503 });
    const failedOver = await client.chat.completions.create({ model: 'relay', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(failedOver.response.headers.get('x-sluice-route')).toBe('openai:relay-a=503;openai:relay-a=503;anthropic:relay-b=200');
    await expect.poll(async () => (await harness.usageRows()).filter((row) => row.groupName === 'relay').length).toBe(2);

    const byGroup = await json<{ data: Array<Record<string, unknown>> }>(`/analytics/cost?from=${since}&group_by=group`);
    expect(byGroup.data.find((row) => row.group === 'relay')).toMatchObject({ calls: 2, attempts: 4, retries: 1, fallbacks: 1, fallback_rate: 0.5, retry_rate: 0.25, attempts_per_call: 2 });
    const byTarget = await json<{ group_by: string; data: Array<Record<string, unknown>> }>(`/analytics/cost?from=${since}&group=relay&group_by=target`);
    expect(byTarget.group_by).toBe('target');
    expect(byTarget.data.map((row) => [row.group, row.calls, row.fallbacks, row.attempts]).sort()).toEqual([
      ['anthropic:relay-b', 1, 1, 3],
      ['openai:relay-a', 1, 0, 1],
    ]);

    const activity = await json<{ totals: Record<string, unknown>; latency: Array<Record<string, unknown>> }>(`/analytics/activity?from=${since}&group=relay`);
    expect(activity.totals).toMatchObject({ calls: 2, fallback_rate: 0.5, retry_rate: 0.25, attempts_per_call: 2, gateway_overhead_ms: { p50: expect.any(Number), p95: expect.any(Number) } });
    const served = activity.latency.find((row) => row.target === 'anthropic:relay-b')!;
    expect(served).toMatchObject({ provider: 'anthropic', model: 'relay-b', fallback_rate: 1, attempts_per_call: 3, output_tokens_per_second: { p50: expect.any(Number) } });
    expect(served.upstream_ms_per_call).toBeGreaterThan(0);

    const series = await json<{ series: Array<{ group: string; values: number[] }> }>(`/analytics/timeseries?from=${since}&metric=fallbacks&group_by=group`);
    const relaySeries = series.series.find((entry) => entry.group === 'relay')!;
    expect(relaySeries.values.reduce((sum, value) => sum + value, 0)).toBe(1);
    const rate = await json<{ series: Array<{ values: number[] }> }>(`/analytics/timeseries?from=${since}&metric=requests_per_second&group=relay&bucket=1m`);
    expect(rate.series[0]!.values.reduce((sum, value) => sum + value, 0) * 60).toBeCloseTo(2);

    const routing = await json<{ object: string; groups: Array<Record<string, unknown> & { targets: Array<Record<string, unknown>> }> }>(`/analytics/routing?from=${since}`);
    expect(routing.object).toBe('analytics.routing');
    const relay = routing.groups.find((group) => group.group === 'relay')!;
    expect(relay).toMatchObject({ configured: true, policy: 'failover', calls: 2, fallback_rate: 0.5, retry_rate: 0.25, attempts_per_call: 2, success_rate: 1 });
    expect(relay.targets).toEqual([
      expect.objectContaining({ target: 'openai:relay-a', calls: 1, share: 0.5, fallback_rate: 0, ttfb_ms: expect.objectContaining({ p50: expect.any(Number) }) }),
      expect.objectContaining({ target: 'anthropic:relay-b', calls: 1, share: 0.5, fallback_rate: 1, retry_rate: 1 / 3, success_rate: 1 }),
    ]);
  });
});
