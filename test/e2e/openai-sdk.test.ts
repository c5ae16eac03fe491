import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  harness = await startTestGateway();
  client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

describe('OpenAI SDK through Sluice (pass-through)', () => {
  it('answers a chat completion and records the exact usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello to the gateway please' }],
    });
    expect(completion.choices[0]?.message.content).toContain('Hello from the Sluice mock upstream');
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1/chat/completions');
    expect(received.headers.authorization).toBe(`Bearer ${upstreamKeys.openai}`);
    expect(completion.usage?.prompt_tokens).toBe(received.sentUsage?.inputTokens);

    const rows = await harness.usageRows();
    const row = rows.at(-1)!;
    expect(row).toMatchObject({
      inboundDialect: 'openai-chat',
      provider: 'openai',
      requestedModel: 'gpt-4o-mini',
      upstreamModel: 'gpt-4o-mini',
      reportedModel: 'gpt-4o-mini',
      stream: false,
      statusCode: 200,
      outcome: 'ok',
      userName: 'ada',
      teamName: 'research',
      inputTokens: received.sentUsage!.inputTokens,
      outputTokens: received.sentUsage!.outputTokens,
      outputTokensEstimated: false,
    });
    expect(row.costUsd).toBeGreaterThan(0);
    // The row says where its price came from and the rates applied, so its cost can be explained from it alone.
    expect(row.priceSource).toMatch(/^genai-prices@\d+\.\d+\.\d+$/);
    const rates = row.priceRates!;
    const uncachedInput = row.inputTokens - row.cacheReadTokens - row.cacheWriteTokens;
    expect(rates.request + (uncachedInput * rates.input + row.cacheReadTokens * rates.cacheRead + row.outputTokens * rates.output) / 1e6).toBeCloseTo(row.costUsd!, 12);
    expect(row.latencyMs).toBeGreaterThan(0);
  });

  it('streams chunks, meters them, and hides the usage chunk it added itself', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'stream me something' }],
    });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks++;
    }
    const received = harness.upstream.requests[0]!;
    expect(text).toBe(received.sentText);
    expect(usageChunks).toBe(0);
    expect((received.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({
      stream: true,
      outcome: 'ok',
      inputTokens: received.sentUsage!.inputTokens,
      outputTokens: received.sentUsage!.outputTokens,
    });
    expect(row.timeToFirstByteMs).not.toBeNull();
  });

  it('keeps the usage chunk when the caller asked for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count my tokens' }],
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage?.completion_tokens).toBe(harness.upstream.requests[0]!.sentUsage!.outputTokens);
  });

  it('lets unknown fields through untouched and rewrites only the model of an alias', async () => {
    await client.chat.completions.create({
      model: 'mini',
      messages: [{ role: 'user', content: 'hi' }],
      // @ts-expect-error a vendor extension the SDK does not know
      vendor_extension: { keep: ['me', 1, true] },
      temperature: 0.25,
    });
    const body = harness.upstream.requests[0]!.body as Record<string, unknown>;
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.vendor_extension).toEqual({ keep: ['me', 1, true] });
    expect(body.temperature).toBe(0.25);
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({ requestedModel: 'mini', upstreamModel: 'gpt-4o-mini' });
  });

  it('never sends the gateway key upstream', async () => {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret?' }] });
    const received = harness.upstream.requests[0]!;
    expect(JSON.stringify(received)).not.toContain(harness.token);
  });

  it.each([
    ['openai', 'gpt-4o-mini', '/v1/chat/completions', upstreamKeys.openai],
    ['mistral', 'mistral-small-latest', '/v1/chat/completions', upstreamKeys.mistral],
    ['grok', 'grok-4', '/v1/chat/completions', upstreamKeys.grok],
    ['vllm', 'llama-3.1-8b', '/v1/chat/completions', upstreamKeys.vllm],
  ])('pins provider %s with its URL prefix', async (provider, model, upstreamPath, upstreamKey) => {
    const pinned = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/${provider}/v1`, maxRetries: 0 });
    const completion = await pinned.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe(upstreamPath);
    expect(received.headers.authorization).toBe(`Bearer ${upstreamKey}`);
    const row = (await harness.usageRows()).at(-1)!;
    expect(row.provider).toBe(provider);
  });

  it('routes qualified provider:model names', async () => {
    const response = await client.chat.completions
      .create({ model: 'vllm:some-local-model', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.response.headers.get('x-sluice-provider')).toBe('vllm');
    expect(response.response.headers.get('x-sluice-model')).toBe('some-local-model');
    expect(response.response.headers.get('x-sluice-request-id')).toMatch(/^[0-9A-Z]{26}$/);
    expect((harness.upstream.requests[0]!.body as { model: string }).model).toBe('some-local-model');
  });

  it('attributes requester and tags', async () => {
    await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], user: 'body-user' },
      { headers: { 'x-sluice-tags': 'checkout, beta ,', 'x-sluice-user': 'header-user' } },
    );
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], user: 'body-user' });
    const rows = (await harness.usageRows()).slice(-2);
    expect(rows[0]).toMatchObject({ requester: 'header-user', tags: ['checkout', 'beta'] });
    expect(rows[1]).toMatchObject({ requester: 'body-user', tags: [] });
  });

  it('lists models the key may use', async () => {
    const models = await client.models.list();
    const ids = models.data.map((model) => model.id);
    expect(ids).toContain('gpt-4o-mini');
    expect(ids).toContain('claude-haiku-4-5');
    expect(ids).toContain('haiku');
    const limitedToken = await harness.issueKey({ name: 'limited-models', allowedModels: ['anthropic:*'] });
    const limited = new OpenAI({ apiKey: limitedToken, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const limitedIds = (await limited.models.list()).data.map((model) => model.id);
    expect(limitedIds).toContain('claude-haiku-4-5');
    expect(limitedIds).not.toContain('gpt-4o-mini');
  });
});
