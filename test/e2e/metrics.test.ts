import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue, type PrometheusSample } from '../helpers/prometheus-text.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** `GET /metrics`: who may read it, and the numbers after traffic whose counts the test knows. */
let harness: TestGateway;
let metricsToken: string;

beforeAll(async () => {
  // The one-a-minute key's window stands still unless the test moves this clock: a minute turning mid-test
  // cannot let its second call through.
  harness = await startTestGateway({}, { clock: new ManualClock().now });
  metricsToken = await harness.issueKey({ name: 'prometheus', role: 'metrics' });
});
afterAll(() => harness.close());

/** `null`: no key at all. */
async function scrape(token: string | null = metricsToken): Promise<Response> {
  return fetch(`${harness.url}/metrics`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
}

async function samples(): Promise<{ text: string; samples: PrometheusSample[] }> {
  const response = await scrape();
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, samples: parsePrometheusText(text) };
}

describe('who may scrape', () => {
  it('no key 401, an ordinary key 403, an analytics key 403, a metrics key 200, an admin key 200', async () => {
    const analytics = await harness.issueKey({ name: 'analyst', role: 'analytics' });
    const admin = await harness.issueKey({ name: 'operator', role: 'admin' });
    const anonymous = await scrape(null);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
    const ordinary = await scrape(harness.token);
    expect(ordinary.status).toBe(403);
    expect(((await ordinary.json()) as { error: { message: string } }).error.message).toContain('metrics key');
    expect((await scrape(analytics)).status).toBe(403);
    const byMetrics = await scrape(metricsToken);
    expect(byMetrics.status).toBe(200);
    expect(byMetrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await byMetrics.text()).toContain('# TYPE sluice_requests_total counter');
    expect((await scrape(admin)).status).toBe(200);
  });
});

describe('values after known traffic', () => {
  it('counts calls, tokens, cost, cache hits and misses, refusals by limits; an unknown model is `other`', async () => {
    const openai = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
    const hello = [{ role: 'user' as const, content: 'hello' }];
    for (let call = 0; call < 3; call++) await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true });
    for await (const _chunk of stream) void _chunk;
    const cacheOn = { headers: { 'x-sluice-cache': 'true' } };
    const miss = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'cache me' }] }, cacheOn).withResponse();
    const hit = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'cache me' }] }, cacheOn).withResponse();
    expect([miss.response.headers.get('x-sluice-cache'), hit.response.headers.get('x-sluice-cache')]).toEqual(['MISS', 'HIT']);
    await anthropic.messages.create({ model: 'haiku', max_tokens: 64, messages: hello });
    await expect(openai.chat.completions.create({ model: 'no-such-model-xyz', messages: hello })).rejects.toMatchObject({ status: 404 });
    const limitedToken = await harness.issueKey({ name: 'one-a-minute', limits: { requestsPerMinute: 1 } });
    const limited = new OpenAI({ apiKey: limitedToken, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await limited.chat.completions.create({ model: 'gpt-4o', messages: hello });
    await expect(limited.chat.completions.create({ model: 'gpt-4o', messages: hello })).rejects.toMatchObject({ status: 429 });

    // Cost is counted once the usage writer's thread has priced and stored the rows: flush them first.
    const rows = (await harness.usageRows()).filter((row) => row.provider === 'openai' && row.upstreamModel === 'gpt-4o-mini');
    const { text, samples: scraped } = await samples();
    const requests = (labels: Record<string, string>) => sampleValue(scraped, 'sluice_requests_total', labels);
    const chat = { provider: 'openai', model: 'gpt-4o-mini', dialect: 'openai-chat' };
    expect(requests({ ...chat, status_class: '2xx', outcome: 'ok' })).toBe(6);
    expect(requests({ provider: 'anthropic', model: 'claude-haiku-4-5', dialect: 'anthropic-messages', status_class: '2xx', outcome: 'ok' })).toBe(1);
    expect(requests({ provider: 'none', model: 'other', dialect: 'openai-chat', status_class: '4xx', outcome: 'error' })).toBe(1);
    expect(requests({ provider: 'openai', model: 'gpt-4o', dialect: 'openai-chat', status_class: '2xx', outcome: 'ok' })).toBe(1);
    expect(requests({ provider: 'openai', model: 'gpt-4o', dialect: 'openai-chat', status_class: '4xx', outcome: 'error' })).toBe(1);
    expect(sampleValue(scraped, 'sluice_rate_limited_total', { scope: 'key', limit: 'rpm' })).toBe(1);
    expect(sampleValue(scraped, 'sluice_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(sampleValue(scraped, 'sluice_cache_requests_total', { result: 'hit' })).toBe(1);
    expect(sampleValue(scraped, 'sluice_request_duration_seconds_count', chat)).toBe(6);
    // Every answer of the six reached the caller, so each has a first byte.
    expect(sampleValue(scraped, 'sluice_time_to_first_byte_seconds_count', chat)).toBe(6);
    // Five calls went upstream (the hit did not), each in one attempt.
    expect(sampleValue(scraped, 'sluice_upstream_attempts_total', { provider: 'openai', model: 'gpt-4o-mini', result: 'ok' })).toBe(5);

    expect(rows).toHaveLength(6);
    const total = (field: 'inputTokens' | 'outputTokens' | 'costUsd') => rows.reduce((sum, row) => sum + (row[field] ?? 0), 0);
    expect(total('inputTokens')).toBeGreaterThan(0);
    expect(sampleValue(scraped, 'sluice_tokens_total', { provider: 'openai', model: 'gpt-4o-mini', type: 'input' })).toBe(total('inputTokens'));
    expect(sampleValue(scraped, 'sluice_tokens_total', { provider: 'openai', model: 'gpt-4o-mini', type: 'output' })).toBe(total('outputTokens'));
    expect(total('costUsd')).toBeGreaterThan(0);
    expect(sampleValue(scraped, 'sluice_cost_usd_total', { provider: 'openai', model: 'gpt-4o-mini' })).toBeCloseTo(total('costUsd'), 12);

    // Nothing a caller sent and no secret is a label value.
    expect(text).not.toContain('no-such-model-xyz');
    for (const secret of [harness.token, limitedToken, metricsToken]) expect(text).not.toContain(secret);
    expect(text).toMatch(/^sluice_usage_rows_queued \d+$/m);
    expect(sampleValue(scraped, 'sluice_usage_rows_dropped_total')).toBe(0);
    expect(sampleValue(scraped, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });
});
