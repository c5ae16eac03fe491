import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { dialects } from '../../src/dialects/dialects.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * The staged request path: one ordered list of stages, shared by model calls, count_tokens and /v1/models,
 * with validation before admission and the body decoded into the core model at most once. The tests check
 * what the order guarantees a caller (which refusal wins, what uses a rate-limit slot), not the list itself.
 */
let harness: TestGateway;

beforeAll(async () => {
  // Rate windows stand still unless the test moves this clock: a minute turning mid-test cannot free a slot.
  const clock = new ManualClock();
  harness = await startTestGateway({
    aliases: { haiku: 'anthropic:claude-haiku-4-5', mini: 'openai:gpt-4o-mini', quick: 'haiku', quickest: 'quick' },
    providers: {
      anthropic: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: upstreamKeys.anthropic },
      openai: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: upstreamKeys.openai },
      local: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: upstreamKeys.vllm, images: false, models: ['llama-text'] },
    },
  }, { clock: clock.now });
  // Providers this test calls go to the fake upstream.
  harness.gateway.services.registry.setBaseUrl('anthropic', `${harness.upstream.url}/v1`);
  harness.gateway.services.registry.setBaseUrl('local', `${harness.upstream.url}/v1`);
  harness.gateway.services.registry.setBaseUrl('openai', `${harness.upstream.url}/v1`);
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());
afterEach(() => vi.restoreAllMocks());

describe('the order of the stages is what callers see', () => {
  const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
  const chat = (token: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
  const codeOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

  it('authenticates before reading the body, and reads the body before resolving the model', async () => {
    const noMessages = { model: 'no-such-model-anywhere' };
    const unknownKey = await chat('sk-sluice-not-a-key', noMessages);
    expect([unknownKey.status, await codeOf(unknownKey)]).toEqual([401, 'invalid_api_key']);
    const badBody = await chat(harness.token, noMessages);
    expect(badBody.status).toBe(400);
    const unknownModel = await chat(harness.token, chatBody('no-such-model-anywhere'));
    expect(unknownModel.status).toBe(404);
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('resolves the model before authorizing it, and authorizes before admission: a refused model uses no slot', async () => {
    await harness.gateway.services.store.setPrincipal('team', { name: 'openai-team', limits: {}, allowedModels: ['openai:*'] });
    await harness.gateway.services.principals.reload();
    const token = await harness.issueKey({ name: 'ordered-one-rpm', teamName: 'openai-team', limits: { requestsPerMinute: 1 } });
    expect((await chat(token, chatBody('no-such-model-anywhere'))).status).toBe(404);
    for (let attempt = 0; attempt < 3; attempt++) expect((await chat(token, chatBody('claude-haiku-4-5'))).status).toBe(403);
    expect((await chat(token, chatBody('gpt-4o-mini'))).status).toBe(200);
    const limited = await chat(token, chatBody('gpt-4o-mini'));
    expect([limited.status, await codeOf(limited)]).toEqual([429, 'rate_limited']);
  });

  it('admits before the cache lookup, and a cache hit makes no upstream call', async () => {
    const token = await harness.issueKey({ name: 'cached-two-rpm', limits: { requestsPerMinute: 2 } });
    const cacheOn = { 'x-sluice-cache': 'true' };
    const miss = await chat(token, chatBody('gpt-4o-mini'), cacheOn);
    expect([miss.status, miss.headers.get('x-sluice-cache')]).toEqual([200, 'MISS']);
    const upstreamCalls = harness.upstream.requests.length;
    const hit = await chat(token, chatBody('gpt-4o-mini'), cacheOn);
    expect([hit.status, hit.headers.get('x-sluice-cache')]).toEqual([200, 'HIT']);
    expect(harness.upstream.requests).toHaveLength(upstreamCalls);
    // The stored answer is there, but the rate limit is asked first.
    expect((await chat(token, chatBody('gpt-4o-mini'), cacheOn)).status).toBe(429);
  });
});

describe('count_tokens goes through the same stages as a model call', () => {
  it('is refused with 403 when the team forbids the model, with no upstream call', async () => {
    await harness.gateway.services.store.setPrincipal('team', { name: 'no-anthropic', limits: {}, allowedModels: ['openai:*'] });
    await harness.gateway.services.principals.reload();
    const token = await harness.issueKey({ name: 'team-forbids', teamName: 'no-anthropic' });
    const client = new Anthropic({ apiKey: token, baseURL: harness.url, maxRetries: 0 });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'hi' }];
    await expect(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages })).rejects.toMatchObject({ status: 403 });
    await expect(client.messages.countTokens({ model: 'claude-haiku-4-5', messages })).rejects.toMatchObject({ status: 403 });
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('counts against the request rate like any call', async () => {
    const token = await harness.issueKey({ name: 'one-rpm', limits: { requestsPerMinute: 1 } });
    const client = new Anthropic({ apiKey: token, baseURL: harness.url, maxRetries: 0 });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'hi' }];
    expect((await client.messages.countTokens({ model: 'claude-haiku-4-5', messages })).input_tokens).toBeGreaterThan(0);
    await expect(client.messages.countTokens({ model: 'claude-haiku-4-5', messages })).rejects.toMatchObject({ status: 429 });
    await expect(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages })).rejects.toMatchObject({ status: 429 });
    expect(harness.upstream.requests.filter((request) => request.path.endsWith('/count_tokens'))).toHaveLength(1);
  });
});

describe('validation before admission', () => {
  it('requests refused with 400 do not use up a rate-limit slot', async () => {
    const token = await harness.issueKey({ name: 'three-rpm', limits: { requestsPerMinute: 3 } });
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(
        client.chat.completions.create({ model: 'llama-text', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is it?' }, image] }] }),
      ).rejects.toMatchObject({ status: 400 });
    }
    // Untranslatable content is refused before admission too.
    await expect(
      client.chat.completions.create({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    const served = await client.chat.completions.create({ model: 'llama-text', messages: [{ role: 'user', content: 'hi' }] });
    expect(served.choices[0]?.message.content).toBeTruthy();
  });
});

describe('the body is decoded into the core model at most once', () => {
  it('a translated, cached call with token limits and a budget decodes once', async () => {
    const token = await harness.issueKey({
      name: 'decode-once',
      limits: { tokensPerMinute: 100_000, budget: { period: 'day', hardUsd: 100 } },
    });
    const decode = vi.spyOn(dialects['openai-chat'], 'decodeRequest');
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-sluice-cache': 'true' },
      body: JSON.stringify({ model: 'haiku', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(decode).toHaveBeenCalledTimes(1);
  });
});

describe('/v1/models', () => {
  it('lists an alias of an alias where it lands, and honours the team allow-list', async () => {
    const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const ids = (await client.models.list()).data.map((model) => model.id);
    expect(ids, JSON.stringify(ids)).toEqual(expect.arrayContaining(['haiku', 'quick', 'quickest', 'mini']));
    await harness.gateway.services.store.setPrincipal('team', { name: 'openai-only', limits: {}, allowedModels: ['openai:*'] });
    await harness.gateway.services.principals.reload();
    const restricted = new OpenAI({ apiKey: await harness.issueKey({ name: 'openai-only', teamName: 'openai-only' }), baseURL: `${harness.url}/v1` });
    const allowed = (await restricted.models.list()).data.map((model) => model.id);
    expect(allowed).toContain('mini');
    expect(allowed).not.toContain('quickest');
  });
});
