import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';
import { testUsageRow } from '../helpers/usage-rows.js';

/**
 * Sluice's own endpoints refuse a query parameter they do not document, with a 400 naming it and listing
 * the accepted ones, instead of answering as if it had not been sent (`gateway_key=…` used to return every
 * key's spend). The accepted lists below are docs/admin-api.md's "Analytics API"; each one is also checked to be
 * read by its route (a bad value is refused under its own name), so route, docs and this test agree.
 */
let harness: TestGateway;
let analyticsToken: string;
let adminToken: string;

type ErrorBody = { error: { type: string; code: string; param: string | null; message: string } };

const call = (path: string, options: { token?: string | null; method?: string; body?: unknown } = {}) => {
  const token = options.token === undefined ? analyticsToken : options.token;
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${harness.url}${path}`, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
};

async function refusal(path: string, options: Parameters<typeof call>[1] = {}): Promise<ErrorBody['error']> {
  const response = await call(path, options);
  const text = await response.text();
  expect(response.status, `${path}: ${text}`).toBe(400);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.error, path).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' });
  return body.error;
}

async function answer<T = Record<string, unknown>>(path: string): Promise<T> {
  const response = await call(path);
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as T;
}

/** The names an unknown-parameter refusal lists after "accepted: ". */
function acceptedIn(message: string): string[] {
  const match = /; accepted: (.+)\.$/.exec(message);
  expect(match, message).not.toBeNull();
  return match![1]!.split(', ');
}

const scope = ['window', 'from', 'to', 'key', 'gateway_key', 'user', 'team', 'model', 'provider', 'tag', 'group', 'requester'];
const documented: Record<string, string[]> = {
  '/analytics/cost': [...scope, 'group_by'],
  '/analytics/timeseries': [...scope, 'bucket', 'metric', 'group_by'],
  '/analytics/activity': scope,
  '/analytics/routing': scope,
  '/analytics/by_team': scope,
  '/analytics/by_user': scope,
  '/analytics/by_key': scope,
  '/analytics/requests': [...scope, 'outcome', 'cached', 'status_code', 'limit', 'cursor'],
  // Read from rows by run, not from the rollups: the window and a limit, not the filters.
  '/analytics/runs': ['window', 'from', 'to', 'limit'],
  // Runs compared whole: only the runs.
  '/analytics/compare': ['runs'],
};

/** A value each parameter refuses, so a parameter that is accepted but never read would answer 200. */
const badValues: Record<string, string> = {
  window: 'soon',
  from: 'yesterday',
  to: 'tomorrow',
  group_by: 'colour',
  bucket: '2m',
  metric: 'joy',
  outcome: 'maybe',
  cached: 'yes',
  status_code: '99',
  limit: '0',
  cursor: 'bm9wZQ',
  runs: 'only-one',
};

// A window that ended a minute ago, so two answers about it are equal whenever they were asked.
const windowEnd = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
const pastHour = `from=${new Date(windowEnd - 3_600_000).toISOString()}&to=${new Date(windowEnd).toISOString()}`;

beforeAll(async () => {
  harness = await startTestGateway();
  analyticsToken = await harness.issueKey({ name: 'reader', role: 'analytics' });
  adminToken = await harness.issueKey({ name: 'boss', role: 'admin' });
  const fiveMinutesAgo = windowEnd - 5 * 60_000;
  await harness.gateway.services.store.recordUsage([
    testUsageRow('01STRICT1', { createdAt: fiveMinutesAgo, keyId: 'key_one', requester: 'alice', costUsd: 1 }),
    testUsageRow('01STRICT2', { createdAt: fiveMinutesAgo, keyId: 'key_one', requester: 'bob', costUsd: 2 }),
    testUsageRow('01STRICT3', { createdAt: fiveMinutesAgo, keyId: 'key_two', requester: 'alice', costUsd: 4 }),
  ]);
});
afterAll(() => harness.close());

describe('analytics: unknown query parameters', () => {
  it('a filter under a wrong name is a 400 naming it and listing the accepted ones, not every key\'s spend', async () => {
    const error = await refusal('/analytics/cost?group_by=model&gateway_key2=key_one');
    expect(error.param).toBe('gateway_key2');
    expect(error.message).toMatch(/^Unknown query parameter 'gateway_key2'; accepted: window, from, to, key, /);
    expect(acceptedIn(error.message).sort()).toEqual([...documented['/analytics/cost']!].sort());
  });

  for (const [path, accepted] of Object.entries(documented)) {
    it(`${path} accepts exactly what docs/admin-api.md documents, and reads every one of them`, async () => {
      const error = await refusal(`${path}?${accepted.includes('window') ? 'window=1h&' : ''}colour=blue`);
      expect(error.param).toBe('colour');
      expect(acceptedIn(error.message).sort()).toEqual([...accepted].sort());
      for (const name of accepted) {
        const refused = await refusal(`${path}?${name}=${encodeURIComponent(badValues[name] ?? '')}`);
        expect(refused.param, `${path} ${name}`).toBe(name);
        expect(refused.message, `${path} ${name}`).not.toMatch(/^Unknown/);
      }
    });
  }

  it('names every unknown parameter, and bounds how much of a name it echoes', async () => {
    const error = await refusal('/analytics/by_key?window=1h&sort=cost&order=desc');
    expect(error.param).toBe('sort');
    expect(error.message).toMatch(/^Unknown query parameters 'sort', 'order'; accepted: /);
    const long = 'x'.repeat(500);
    const bounded = await refusal(`/analytics/activity?${long}=1`);
    expect(bounded.param).toBe(`${'x'.repeat(64)}…`);
    expect(bounded.message.length).toBeLessThan(400);
  });

  it('the request detail takes no parameters', async () => {
    const error = await refusal('/analytics/requests/01STRICT1?verbose=true');
    expect(error).toMatchObject({ param: 'verbose', message: "Unknown query parameter 'verbose'; this endpoint takes none." });
    expect(await answer('/analytics/requests/01STRICT1')).toMatchObject({ id: '01STRICT1' });
  });

  it('a caller without a key learns nothing about the parameters: 401 first', async () => {
    const response = await call('/analytics/cost?gateway_key2=key_one', { token: null });
    expect(response.status).toBe(401);
  });
});

describe('analytics: gateway_key is another name for key', () => {
  const reportPaths = [
    `/analytics/cost?${pastHour}&group_by=requester`,
    `/analytics/timeseries?${pastHour}&metric=cost`,
    `/analytics/activity?${pastHour}`,
    `/analytics/by_key?${pastHour}`,
    `/analytics/requests?${pastHour}`,
  ];

  it('filters exactly like key on every report', async () => {
    for (const path of reportPaths) {
      const byKey = await answer(`${path}&key=key_one`);
      expect(await answer(`${path}&gateway_key=key_one`), path).toEqual(byKey);
      expect(await answer(`${path}&key=key_one&gateway_key=key_one`), path).toEqual(byKey);
      // The filter does something: without it the other key's call counts too.
      expect(await answer(path), path).not.toEqual(byKey);
    }
    const cost = await answer<{ totals: { calls: number; cost_usd: number }; data: Array<{ group: string; calls: number }> }>(`/analytics/cost?${pastHour}&group_by=requester&gateway_key=key_one`);
    expect(cost.totals).toMatchObject({ calls: 2, cost_usd: 3 });
    expect(cost.data.map(({ group, calls }) => ({ group, calls }))).toEqual([
      { group: 'bob', calls: 1 },
      { group: 'alice', calls: 1 },
    ]);
  });

  it('with key naming another key is a 400 naming gateway_key', async () => {
    const error = await refusal('/analytics/cost?key=key_one&gateway_key=key_two');
    expect(error.param).toBe('gateway_key');
    expect(error.message).toContain("another name for 'key'");
  });

  it('an empty gateway_key is refused under its own name, as an empty key is', async () => {
    expect((await refusal('/analytics/cost?gateway_key=')).param).toBe('gateway_key');
    expect((await refusal('/analytics/cost?key=')).param).toBe('key');
  });
});

describe('admin and /v1/usage: no query parameters', () => {
  const adminCalls: Array<{ method: string; path: string; body?: unknown; token?: () => string }> = [
    { method: 'GET', path: '/admin/keys' },
    { method: 'POST', path: '/admin/keys', body: { name: 'sneaky' } },
    { method: 'PATCH', path: '/admin/keys/reader', body: { role: 'admin' } },
    { method: 'POST', path: '/admin/keys/reader/revoke' },
    { method: 'POST', path: '/admin/reload' },
    { method: 'GET', path: '/admin/users' },
    { method: 'GET', path: '/admin/teams' },
    { method: 'PUT', path: '/admin/users/sneaky', body: {} },
    { method: 'PUT', path: '/admin/teams/sneaky', body: {} },
    { method: 'GET', path: '/admin/provider-keys' },
    { method: 'PUT', path: '/admin/provider-keys/openai', body: { key: 'sk-should-not-be-stored' } },
    { method: 'DELETE', path: '/admin/provider-keys/openai' },
    { method: 'GET', path: '/admin/health/targets' },
    { method: 'GET', path: '/v1/usage', token: () => harness.token },
  ];

  for (const { method, path, body, token } of adminCalls) {
    it(`${method} ${path}?dry_run=true is a 400 naming the parameter`, async () => {
      const error = await refusal(`${path}?dry_run=true`, { method, body, token: token?.() ?? adminToken });
      expect(error).toMatchObject({ param: 'dry_run', message: "Unknown query parameter 'dry_run'; this endpoint takes none." });
    });
  }

  it('a refused change changes nothing', async () => {
    const store = harness.gateway.services.store;
    const keys = await store.listKeys();
    expect(keys.map((key) => key.name)).not.toContain('sneaky');
    expect(keys.find((key) => key.name === 'reader')).toMatchObject({ role: 'analytics', revokedAt: null });
    expect((await store.listPrincipals('user')).map((user) => user.name)).not.toContain('sneaky');
    expect((await store.listPrincipals('team')).map((team) => team.name)).not.toContain('sneaky');
    expect(await store.listProviderKeys()).toEqual([]);
  });

  it('the same routes answer without the parameter', async () => {
    expect((await call('/admin/keys', { token: adminToken })).status).toBe(200);
    expect((await call('/admin/health/targets', { token: adminToken })).status).toBe(200);
    expect((await call('/v1/usage', { token: harness.token })).status).toBe(200);
  });
});
