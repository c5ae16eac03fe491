import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;
// Limits count in fixed minute windows on this clock: it moves only when a test moves it, so no test straddles a
// window boundary by chance.
const clock = new ManualClock();

beforeAll(async () => {
  harness = await startTestGateway({}, { clock: clock.now });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const ask = (client: OpenAI) =>
  client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();

describe('rate limits through the gateway', () => {
  it('a new key gets 100 requests per minute, then a 429 in the caller shape that names the limit', async () => {
    const token = await harness.issueKey({ name: 'default-limits' });
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const first = await ask(client);
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('100');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('99');
    const statuses = await Promise.all(Array.from({ length: 110 }, () => ask(client).then(() => 200, (error: { status: number }) => error.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(99);
    expect(statuses.filter((status) => status === 429)).toHaveLength(11);
    const refused = (await ask(client).then(() => undefined, (error: unknown) => error)) as InstanceType<typeof OpenAI.APIError>;
    expect(refused.status).toBe(429);
    expect(refused.headers?.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(refused.message).toContain('100 requests per minute');
    const rows = await harness.usageRows();
    expect(rows.at(-1)).toMatchObject({ statusCode: 429, errorCode: 'rate_limited.key.requests_per_minute' });
    // 100 admitted calls reached the upstream, no more.
    expect(harness.upstream.requests).toHaveLength(100);
    // The next minute's window starts empty.
    clock.advance(60_000);
    const nextMinute = await ask(client);
    expect(nextMinute.response.headers.get('x-ratelimit-remaining-requests')).toBe('99');
  });

  it('team limits and team allow-lists apply to every key of the team', async () => {
    await harness.gateway.services.store.setPrincipal('team', { name: 'small-team', limits: { requestsPerMinute: 2 }, allowedModels: ['openai:*'] });
    await harness.gateway.services.principals.reload();
    const first = new OpenAI({ apiKey: await harness.issueKey({ name: 'team-a', teamName: 'small-team', limits: { requestsPerMinute: 0 } }), baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const second = new OpenAI({ apiKey: await harness.issueKey({ name: 'team-b', teamName: 'small-team' }), baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await ask(first);
    await ask(second);
    await expect(ask(first)).rejects.toMatchObject({ status: 429 });
    const forbidden = await first.chat.completions
      .create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(forbidden).toMatchObject({ status: 403 });
    expect((await harness.usageRows()).at(-1)).toMatchObject({ errorCode: 'model_not_allowed' });
  });

  it('caps concurrent requests and frees the slot when a request ends', async () => {
    const token = await harness.issueKey({ name: 'one-at-a-time', limits: { concurrentRequests: 1 } });
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    harness.upstream.enqueue({ delayMs: 300 });
    const slow = ask(client);
    await harness.upstream.waitForRequests(1);
    await expect(ask(client)).rejects.toMatchObject({ status: 429 });
    await slow;
    await expect(ask(client)).resolves.toBeDefined();
    const reasons = (await harness.usageRows()).map((row) => row.errorCode);
    expect(reasons).toContain('concurrency_limited.key');
  });

  it('settles token limits with the real count', async () => {
    const token = await harness.issueKey({ name: 'token-limited', limits: { tokensPerMinute: 60, requestsPerMinute: 0 } });
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const first = await ask(client);
    expect(first.response.headers.get('x-ratelimit-limit-tokens')).toBe('60');
    // The estimate is the prompt only (no max_tokens); the real count, output included, is settled after.
    const used = harness.upstream.requests[0]!.sentUsage!;
    expect(used.outputTokens).toBeGreaterThan(0);
    let refused = false;
    for (let attempt = 0; attempt < 10 && !refused; attempt++) refused = await ask(client).then(() => false, () => true);
    expect(refused).toBe(true);
    expect((await harness.usageRows()).at(-1)).toMatchObject({ statusCode: 429, errorCode: 'rate_limited.key.tokens_per_minute' });
  });
});
