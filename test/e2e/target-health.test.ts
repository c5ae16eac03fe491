import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** `GET /admin/health/targets` after traffic where one target fails, one hangs and their fallbacks serve. */
let harness: TestGateway;
let metricsToken: string;
let openai: OpenAI;

const oneTryEach = { attempts: 1, maxRetryAfterMs: 5_000 };

beforeAll(async () => {
  harness = await startTestGateway({
    groups: {
      flaky: { policy: 'failover', targets: [{ model: 'openai:flaky-a' }, { model: 'anthropic:flaky-b' }], retry: oneTryEach },
      slow: { policy: 'failover', targets: [{ model: 'openai:slow-a' }, { model: 'anthropic:flaky-b' }], retry: oneTryEach, timeToFirstTokenMs: 300 },
    },
  });
  metricsToken = await harness.issueKey({ name: 'prometheus', role: 'metrics' });
  openai = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

interface HealthEntry {
  target: string;
  provider: string;
  model: string;
  groups: string[];
  attempts: number;
  results: Record<string, number>;
  successRate: number | null;
  timeToFirstByteMs: { p50: number; p95: number } | null;
  lastError: { code: string; status: number | null; at: string } | null;
  cooldown: string | null;
  routingEstimateMs: number | null;
}

async function healthReport(token: string | null): Promise<Response> {
  return fetch(`${harness.url}/admin/health/targets`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
}

const hello = [{ role: 'user' as const, content: 'hello' }];

describe('who may read it', () => {
  it('no key 401, an ordinary or analytics key 403, a metrics or admin key 200', async () => {
    expect((await healthReport(null)).status).toBe(401);
    expect((await healthReport(harness.token)).status).toBe(403);
    expect((await healthReport(await harness.issueKey({ name: 'analyst', role: 'analytics' }))).status).toBe(403);
    expect((await healthReport(metricsToken)).status).toBe(200);
    const byAdmin = await healthReport(await harness.issueKey({ name: 'operator', role: 'admin' }));
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.headers.get('sluice-api-version')).toBeTruthy();
  });
});

describe('after traffic with a failing target', () => {
  it('reports success rates, first-byte percentiles, the last error without its message, and cooldowns', async () => {
    const secretish = 'upstream says: your key sk-live-abcdef is over quota';
    harness.upstream.enqueue({ status: 503, errorMessage: secretish });
    const first = await openai.chat.completions.create({ model: 'flaky', messages: hello }).withResponse();
    expect(first.response.headers.get('x-sluice-route')).toBe('openai:flaky-a=503;anthropic:flaky-b=200');
    // A long retry-after cools the target at once.
    harness.upstream.enqueue({ status: 429, retryAfter: 60, errorMessage: secretish });
    const second = await openai.chat.completions.create({ model: 'flaky', messages: hello }).withResponse();
    expect(second.response.headers.get('x-sluice-route')).toBe('openai:flaky-a=429;anthropic:flaky-b=200');
    // No first token within the group's 300 ms: a timeout, and the call fails over.
    harness.upstream.enqueue({ hang: true });
    const stream = await openai.chat.completions.create({ model: 'slow', messages: hello, stream: true });
    for await (const _chunk of stream) void _chunk;
    await expect.poll(async () => (await harness.usageRows()).length).toBe(3);

    const response = await healthReport(metricsToken);
    const text = await response.text();
    expect(text).not.toContain('sk-live-abcdef');
    expect(text).not.toContain('over quota');
    const report = JSON.parse(text) as { window: { attempts: number; minutes: number }; targets: HealthEntry[] };
    expect(report.window).toEqual({ attempts: 200, minutes: 5 });
    const byId = new Map(report.targets.map((entry) => [entry.target, entry]));
    expect([...byId.keys()]).toEqual(['anthropic:flaky-b', 'openai:flaky-a', 'openai:slow-a']);

    const failing = byId.get('openai:flaky-a')!;
    expect(failing).toMatchObject({
      provider: 'openai',
      model: 'flaky-a',
      groups: ['flaky'],
      attempts: 2,
      results: { ok: 0, error: 2, timeout: 0, cancelled: 0 },
      successRate: 0,
      timeToFirstByteMs: null,
      lastError: { code: 'upstream_error', status: 429 },
      cooldown: 'cooling',
    });
    expect(Date.parse(failing.lastError!.at)).toBeGreaterThan(Date.now() - 60_000);

    const hanging = byId.get('openai:slow-a')!;
    expect(hanging).toMatchObject({ results: { timeout: 1 }, successRate: 0, lastError: { code: 'time_to_first_token_exceeded', status: null } });

    const serving = byId.get('anthropic:flaky-b')!;
    expect(serving).toMatchObject({ groups: ['flaky', 'slow'], attempts: 3, results: { ok: 3 }, successRate: 1, lastError: null, cooldown: 'available' });
    expect(serving.timeToFirstByteMs!.p50).toBeGreaterThan(0);
    expect(serving.timeToFirstByteMs!.p95).toBeGreaterThanOrEqual(serving.timeToFirstByteMs!.p50);
    expect(serving.routingEstimateMs).toBeGreaterThan(0);

    const metrics = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    const samples = parsePrometheusText(await metrics.text());
    expect(sampleValue(samples, 'sluice_target_cooldown', { target: 'openai:flaky-a' })).toBe(1);
    expect(sampleValue(samples, 'sluice_target_cooldown', { target: 'anthropic:flaky-b' })).toBe(0);
    expect(sampleValue(samples, 'sluice_target_cooldown', { target: 'openai:slow-a' })).toBe(0);
    expect(sampleValue(samples, 'sluice_upstream_attempts_total', { provider: 'openai', model: 'flaky-a', result: 'error' })).toBe(2);
    expect(sampleValue(samples, 'sluice_upstream_attempts_total', { provider: 'openai', model: 'slow-a', result: 'timeout' })).toBe(1);
    expect(sampleValue(samples, 'sluice_upstream_attempts_total', { provider: 'anthropic', model: 'flaky-b', result: 'ok' })).toBe(3);
  });
});
