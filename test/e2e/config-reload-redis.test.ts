import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { connectTestRedis } from '../helpers/redis-backend.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const connection = await connectTestRedis();
if ('skipReason' in connection) console.warn(`config-reload-redis: skipped: ${connection.skipReason}`);
else connection.redis.disconnect();

// Cooldown records in Redis are keyed by target id: a model name of this run's own keeps them apart from
// other test files using the same server.
const privateModel = `gpt-4o-mini-${randomUUID().slice(0, 8)}`;

describe.skipIf('skipReason' in connection)('config reload with limits and cooldowns in Redis', () => {
  let harness: TestGateway;
  let adminToken: string;
  const start = { redis: { url: process.env.REDIS_URL }, limits: { defaults: { key: { requestsPerMinute: 100 } } } };

  beforeAll(async () => {
    // The rate windows in Redis follow this clock, which stands still: a minute cannot turn under a test.
    harness = await startTestGateway(start, { reloadable: true, clock: new ManualClock().now });
    adminToken = await harness.issueKey({ name: 'redis-reload-admin', role: 'admin' });
  });
  afterAll(() => harness?.close());

  const reloadWith = async (config: Record<string, unknown>) => {
    await harness.writeConfig(config);
    const response = await fetch(`${harness.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    return { status: response.status, body: await response.json() };
  };
  const chat = (model: string, token = harness.token) =>
    fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });

  const pair = {
    policy: 'failover',
    targets: [{ model: `openai:${privateModel}` }, { model: 'anthropic:claude-haiku-4-5' }],
    retry: { attempts: 1 },
    cooldown: { failures: 1, durationMs: 60_000 },
  };

  it('adds a group to a gateway that had none, and its cooldowns work through Redis', async () => {
    expect(await reloadWith({ ...start, groups: { pair } })).toEqual({ status: 200, body: { reloaded: true, changed: ['groups'] } });
    harness.upstream.enqueue({ status: 500 });
    expect((await chat('pair')).headers.get('x-sluice-provider')).toBe('anthropic');
    const before = harness.upstream.requests.length;
    expect((await chat('pair')).headers.get('x-sluice-provider')).toBe('anthropic');
    expect(harness.upstream.requests.slice(before).map((request) => request.path)).toEqual(['/v1/messages']);
  });

  it('keeps the rate windows in Redis when the default limit changes', async () => {
    const token = await harness.issueKey({ name: `redis-limits-${randomUUID().slice(0, 8)}` });
    for (let call = 0; call < 2; call++) expect((await chat('mini', token)).status).toBe(200);
    expect((await reloadWith({ ...start, groups: { pair }, limits: { defaults: { key: { requestsPerMinute: 2 } } } })).body).toEqual({ reloaded: true, changed: ['limits'] });
    expect((await chat('mini', token)).status).toBe(429);
  });
});
