import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  harness = await startTestGateway();
  client = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

describe('Anthropic SDK through Sluice (pass-through)', () => {
  it('answers a message and records the exact usage, cache tokens included', async () => {
    harness.upstream.enqueue({ usage: { cacheReadTokens: 7, cacheWriteTokens: 5 } });
    const message = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Hello there, gateway' }],
    });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    const received = harness.upstream.requests[0]!;
    expect(received.headers['x-api-key']).toBe(upstreamKeys.anthropic);
    // The SDK's own version goes through (test/e2e/anthropic-version.test.ts covers every case).
    expect(received.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(received.headers.authorization).toBeUndefined();
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({
      inboundDialect: 'anthropic-messages',
      provider: 'anthropic',
      statusCode: 200,
      outcome: 'ok',
      inputTokens: received.sentUsage!.inputTokens,
      outputTokens: received.sentUsage!.outputTokens,
      cacheReadTokens: 7,
      cacheWriteTokens: 5,
    });
    expect(message.usage.input_tokens + 7 + 5).toBe(row.inputTokens);
    expect(row.costUsd).toBeGreaterThan(0);
  });

  it('streams events as they come and meters them', async () => {
    const stream = client.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'stream please' }],
    });
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    const final = await stream.finalMessage();
    const received = harness.upstream.requests[0]!;
    expect(final.content[0]).toMatchObject({ type: 'text', text: received.sentText });
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({
      stream: true,
      outcome: 'ok',
      inputTokens: received.sentUsage!.inputTokens,
      outputTokens: received.sentUsage!.outputTokens,
    });
  });

  it('keeps betas, unknown fields and ?beta=true, and accepts a Bearer gateway key', async () => {
    const bearerClient = new Anthropic({ authToken: harness.token, apiKey: null, baseURL: harness.url, maxRetries: 0 });
    await bearerClient.beta.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 2048,
      betas: ['context-management-2025-06-27', 'interleaved-thinking-2025-05-14'],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'think about it' }],
      // @ts-expect-error a field newer than this SDK
      future_field: { shape: 'unknown' },
    }, { query: { beta: 'true' } });
    const received = harness.upstream.requests[0]!;
    expect(received.query.beta).toBe('true');
    expect(received.headers['anthropic-beta']).toBe('context-management-2025-06-27,interleaved-thinking-2025-05-14');
    const body = received.body as Record<string, unknown>;
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(body.future_field).toEqual({ shape: 'unknown' });
    expect(JSON.stringify(received)).not.toContain(harness.token);
  });

  it('pins the provider with /anthropic and resolves aliases', async () => {
    const pinned = new Anthropic({ apiKey: harness.token, baseURL: `${harness.url}/anthropic`, maxRetries: 0 });
    const message = await pinned.messages.create({ model: 'haiku', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.model).toBe('claude-haiku-4-5');
    expect(harness.upstream.requests[0]!.path).toBe('/v1/messages');
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({ requestedModel: 'haiku', upstreamModel: 'claude-haiku-4-5', provider: 'anthropic' });
  });

  it('answers HEAD / like Claude Code expects, and lists models in the Anthropic shape', async () => {
    const head = await fetch(`${harness.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const page = await client.models.list();
    expect(page.data.some((model) => model.id === 'claude-haiku-4-5' && model.type === 'model')).toBe(true);
  });
});

describe('pass-through mode (caller brings its own provider key)', () => {
  it('uses the caller key for the one request, never stores it, and attributes the row to the gateway key', async () => {
    const callerKey = 'sk-ant-caller-own-key-9f8e7d6c5b4a';
    const byok = new Anthropic({
      apiKey: callerKey,
      baseURL: harness.url,
      maxRetries: 0,
      defaultHeaders: { 'x-sluice-token': harness.token },
    });
    await byok.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'mine' }] });
    expect(harness.upstream.requests[0]!.headers['x-api-key']).toBe(callerKey);
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({ callerProviderKey: true, userName: 'ada', outcome: 'ok' });
    expect(JSON.stringify(row)).not.toContain(callerKey);
    const { readFile, readdir } = await import('node:fs/promises');
    // Every file under the data directory, the usage spool's included.
    const files = (await readdir(harness.dataDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = await readFile(`${file.parentPath}/${file.name}`);
      expect(bytes.includes(Buffer.from(callerKey))).toBe(false);
    }
  });

  it('works for a provider that has no server-side key at all', async () => {
    const noKeyHarness = await startTestGateway({
      providers: { anthropic: { baseUrl: `${harness.upstream.url}/v1` } },
    });
    try {
      const anonymous = new Anthropic({ apiKey: noKeyHarness.token, baseURL: noKeyHarness.url, maxRetries: 0 });
      await expect(
        anonymous.messages.create({ model: 'claude-haiku-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toMatchObject({ status: 503 });
      const byok = new Anthropic({
        apiKey: 'sk-ant-bring-your-own',
        baseURL: noKeyHarness.url,
        maxRetries: 0,
        defaultHeaders: { 'x-sluice-token': noKeyHarness.token },
      });
      const message = await byok.messages.create({ model: 'claude-haiku-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] });
      expect(message.type).toBe('message');
    } finally {
      await noKeyHarness.close();
    }
  });
});
