import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Admin bodies are strict (issue 8, item 14): `{"team":"eng"}` used to issue a key with no team, because
 * the field is `teamName`. Every admin route with a body answers an unknown field with a 400 that names it
 * and changes nothing.
 */

let harness: TestGateway;
let adminToken: string;

beforeAll(async () => {
  harness = await startTestGateway();
  adminToken = await harness.issueKey({ name: 'admin', role: 'admin' });
  await harness.issueKey({ name: 'existing', teamName: 'eng', limits: { requestsPerMinute: 5 } });
  await harness.gateway.services.store.setPrincipal('user', { name: 'grace', limits: { requestsPerMinute: 7 }, allowedModels: null });
  await harness.gateway.services.store.setPrincipal('team', { name: 'eng', limits: { requestsPerMinute: 9 }, allowedModels: ['anthropic:*'] });
});
afterAll(() => harness.close());

const admin = (method: string, path: string, body: unknown) =>
  fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

interface OpenAiError {
  error: { message: string; code: string; param: string | null };
}

/** Everything the admin API can change, to show a refused body changed none of it. */
async function snapshot(): Promise<unknown> {
  const store = harness.gateway.services.store;
  const keys = (await store.listKeys()).map(({ updatedAt: _updatedAt, ...key }) => key);
  const principals = async (kind: 'user' | 'team') => (await store.listPrincipals(kind)).map(({ updatedAt: _updatedAt, ...principal }) => principal);
  return { keys, users: await principals('user'), teams: await principals('team') };
}

const cases: Array<{ route: string; method: string; path: string; body: unknown; field: string; known: string }> = [
  { route: 'POST /admin/keys', method: 'POST', path: '/admin/keys', body: { name: 'typo', team: 'eng' }, field: 'team', known: 'Known fields: name, userName, teamName, allowedModels, role, isAdmin, limits, groupBudgets, defaultModel, run, capture.' },
  {
    route: 'POST /admin/keys (in limits)',
    method: 'POST',
    path: '/admin/keys',
    body: { name: 'typo', limits: { rpm: 10 } },
    field: 'limits.rpm',
    known: "Known fields of 'limits': requestsPerMinute, tokensPerMinute, concurrentRequests, queueMs, budget, timeouts.",
  },
  {
    route: 'POST /admin/keys (in limits.budget)',
    method: 'POST',
    path: '/admin/keys',
    body: { name: 'typo', limits: { budget: { period: 'day', hard: 1 } } },
    field: 'limits.budget.hard',
    known: "Known fields of 'limits.budget': period, hardUsd, softUsd.",
  },
  {
    route: 'POST /admin/keys (in limits.timeouts)',
    method: 'POST',
    path: '/admin/keys',
    body: { name: 'typo', limits: { timeouts: { headersMs: 1000 } } },
    field: 'limits.timeouts.headersMs',
    known: "Known fields of 'limits.timeouts': firstByteMs, idleMs, totalMs.",
  },
  { route: 'PATCH /admin/keys/{id}', method: 'PATCH', path: '/admin/keys/existing', body: { team: 'other' }, field: 'team', known: 'Known fields: userName, teamName, allowedModels, role, limits, groupBudgets, defaultModel, run, capture.' },
  { route: 'PATCH /admin/keys/{id} (the hash cannot be changed)', method: 'PATCH', path: '/admin/keys/existing', body: { hash: 'abc' }, field: 'hash', known: 'Known fields: userName, teamName, allowedModels, role, limits, groupBudgets, defaultModel, run, capture.' },
  { route: 'POST /admin/keys/{id}/revoke', method: 'POST', path: '/admin/keys/existing/revoke', body: { reason: 'left' }, field: 'reason', known: 'This request takes no body fields.' },
  { route: 'PUT /admin/users/{name}', method: 'PUT', path: '/admin/users/grace', body: { limits: {}, allowedModels: ['gpt-4.1'] }, field: 'allowedModels', known: 'Known fields: limits.' },
  { route: 'PUT /admin/teams/{name}', method: 'PUT', path: '/admin/teams/eng', body: { models: ['gpt-4.1'] }, field: 'models', known: 'Known fields: limits, allowedModels, defaultModel, capture.' },
  {
    route: 'PUT /admin/teams/{name} (in limits)',
    method: 'PUT',
    path: '/admin/teams/eng',
    body: { limits: { concurrency: 2 } },
    field: 'limits.concurrency',
    known: "Known fields of 'limits': requestsPerMinute, tokensPerMinute, concurrentRequests, queueMs, budget, timeouts.",
  },
];

describe('admin bodies refuse unknown fields', () => {
  it.each(cases)('$route: 400 naming $field, nothing changed', async ({ method, path, body, field, known }) => {
    const before = await snapshot();
    const response = await admin(method, path, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('sluice-api-version')).toBeTruthy();
    const { error } = (await response.json()) as OpenAiError;
    expect(error).toMatchObject({ code: 'invalid_request', param: field });
    expect(error.message).toBe(`Unknown field '${field}'. ${known}`);
    expect(await snapshot()).toEqual(before);
  });

  it('names every unknown field at once', async () => {
    const response = await admin('POST', '/admin/keys', { name: 'typo', team: 'eng', user: 'grace', limits: { rpm: 1 } });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as OpenAiError;
    expect(error.message).toContain("Unknown fields 'team', 'user', 'limits.rpm'.");
  });

  it('the same bodies with the right names are accepted', async () => {
    const created = await admin('POST', '/admin/keys', { name: 'right', teamName: 'eng', limits: { requestsPerMinute: 10, budget: { period: 'day', hardUsd: 1 } } });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { key: { teamName: string } }).key.teamName).toBe('eng');
    expect((await admin('PATCH', '/admin/keys/right', { teamName: null })).status).toBe(200);
    expect((await admin('PUT', '/admin/teams/eng', { allowedModels: ['gpt-4.1'] })).status).toBe(200);
    expect((await admin('PUT', '/admin/users/grace', { limits: { concurrentRequests: 2 } })).status).toBe(200);
    expect((await admin('POST', '/admin/keys/right/revoke', {})).status).toBe(200);
    const revokedWithoutBody = await fetch(`${harness.url}/admin/keys/existing/revoke`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    expect(revokedWithoutBody.status).toBe(200);
  });
});
