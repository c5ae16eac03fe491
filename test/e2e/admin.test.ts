import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;
let adminToken: string;

beforeAll(async () => {
  // Rate windows stand still unless the test moves this clock: a minute turning mid-test cannot free a slot.
  harness = await startTestGateway({}, { clock: new ManualClock().now });
  adminToken = await harness.issueKey({ name: 'admin', role: 'admin' });
});
afterAll(() => harness.close());

const admin = (method: string, path: string, body?: unknown, token = adminToken) =>
  fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('admin API', () => {
  it('is for admin keys only', async () => {
    const refused = await admin('GET', '/admin/keys', undefined, harness.token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect((await admin('GET', '/admin/keys', undefined, 'sk-sluice-bad')).status).toBe(401);
  });

  it('gives keys roles: analytics and metrics keys are not admins, and an admin can change a role', async () => {
    const created = await admin('POST', '/admin/keys', { name: 'reader', role: 'analytics' });
    expect(created.status).toBe(201);
    const { token, key } = (await created.json()) as { token: string; key: { id: string; role: string; isAdmin: boolean } };
    expect(key).toMatchObject({ role: 'analytics', isAdmin: false });
    const refused = await admin('GET', '/admin/keys', undefined, token);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('This endpoint needs an admin key.');
    expect(await (await admin('PATCH', `/admin/keys/${key.id}`, { role: 'admin' })).json()).toMatchObject({ role: 'admin', isAdmin: true });
    expect((await admin('GET', '/admin/keys', undefined, token)).status).toBe(200);
    expect((await admin('PATCH', `/admin/keys/${key.id}`, { role: 'owner' })).status).toBe(400);
    // Before roles, `isAdmin: true` made an admin; it still does, and may not contradict `role`.
    const legacy = (await (await admin('POST', '/admin/keys', { name: 'legacy-admin', isAdmin: true })).json()) as { key: { role: string } };
    expect(legacy.key.role).toBe('admin');
    expect((await admin('POST', '/admin/keys', { name: 'confused', isAdmin: true, role: 'metrics' })).status).toBe(400);
  });

  it('issues a key that works at once, changes its limits, lists keys without hashes, and revokes it', async () => {
    const created = await admin('POST', '/admin/keys', { name: 'via-api', teamName: 'apiteam', limits: { requestsPerMinute: 1 } });
    expect(created.status).toBe(201);
    expect(created.headers.get('sluice-api-version')).toBeTruthy();
    const { token, key } = (await created.json()) as { token: string; key: { id: string; limits: unknown } };
    expect(key.limits).toEqual({ requestsPerMinute: 1 });
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await ask();
    await expect(ask()).rejects.toMatchObject({ status: 429 });
    const patched = await admin('PATCH', `/admin/keys/${key.id}`, { limits: { requestsPerMinute: 0 } });
    expect(await patched.json()).toMatchObject({ limits: { requestsPerMinute: 0 } });
    await ask();
    const listed = (await (await admin('GET', '/admin/keys')).json()) as { data: Array<Record<string, unknown>> };
    expect(listed.data.find((item) => item.id === key.id)).toBeDefined();
    expect(JSON.stringify(listed)).not.toMatch(/"hash"/);
    expect((await admin('POST', '/admin/keys', { name: 'via-api' })).status).toBe(409);
    expect((await admin('POST', `/admin/keys/${key.id}/revoke`)).status).toBe(200);
    await expect(ask()).rejects.toMatchObject({ status: 401 });
  });

  it('sets team limits and allow-lists, which /v1/models then honours', async () => {
    const saved = await admin('PUT', '/admin/teams/apiteam2', { limits: { concurrentRequests: 2 }, allowedModels: ['anthropic:*'] });
    expect(await saved.json()).toMatchObject({ name: 'apiteam2', limits: { concurrentRequests: 2 }, allowedModels: ['anthropic:*'] });
    const { token } = (await (await admin('POST', '/admin/keys', { name: 'team-member', teamName: 'apiteam2' })).json()) as { token: string };
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const models = (await client.models.list()).data.map((model) => model.id);
    expect(models).toContain('claude-haiku-4-5');
    expect(models).not.toContain('gpt-4o-mini');
    expect((await admin('PUT', '/admin/users/grace', { limits: { requestsPerMinute: 10 } })).status).toBe(200);
    expect(((await (await admin('GET', '/admin/users')).json()) as { data: unknown[] }).data).toEqual([expect.objectContaining({ name: 'grace' })]);
    expect((await admin('PUT', '/admin/teams/x', { limits: { requestsPerMinute: -1 } })).status).toBe(400);
  });
});
