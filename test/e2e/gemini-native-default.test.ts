import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * OpenAI-shaped calls to Gemini are translated to Gemini's native API by default (thought signatures and
 * cache counts survive only there); its OpenAI-compatible endpoint stays available through `apis:`. And
 * every upstream error reaches the caller in the caller's own shape.
 */

let harness: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  harness = await startTestGateway();
  client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

type Json = Record<string, unknown>;
const weather = { name: 'get_weather', arguments: { city: 'Rome' } };
const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
type SignedCall = OpenAI.ChatCompletionMessageToolCall & { extra_content?: { google?: { thought_signature?: string } } };

describe('OpenAI Chat → Gemini, native by default', () => {
  it('calls generateContent with Gemini\'s key header, and reports cached tokens', async () => {
    harness.upstream.enqueue({ usage: { cacheReadTokens: 5 } });
    const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', max_tokens: 80, messages: [{ role: 'user', content: 'hi' }] });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(received.headers['x-goog-api-key']).toBe(upstreamKeys.gemini);
    expect(received.headers.authorization).toBeUndefined();
    expect(received.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 80 } });
    expect(completion.choices[0]?.message.content).toBe(received.sentText);
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(5);
  });

  it('also under the pinned /gemini prefix', async () => {
    const pinned = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/gemini/v1`, maxRetries: 0 });
    await pinned.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'hi' }] });
    expect(harness.upstream.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
  });

  it('carries a call\'s thought signature out and back, where Gemini\'s own OpenAI API puts it', async () => {
    harness.upstream.enqueue({ toolCall: weather });
    const first = await client.chat.completions.create({ model: 'gemini-2.5-flash', tools, messages: [{ role: 'user', content: 'Weather in Rome?' }] });
    const call = first.choices[0]!.message.tool_calls![0] as SignedCall;
    expect(call.extra_content).toEqual({ google: { thought_signature: 'mock-thought-signature' } });

    harness.upstream.enqueue({ toolCall: weather });
    const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', tools, stream: true, messages: [{ role: 'user', content: 'Weather in Rome?' }] });
    const streamedCalls: SignedCall[] = [];
    for await (const chunk of stream) streamedCalls.push(...((chunk.choices[0]?.delta.tool_calls ?? []) as unknown as SignedCall[]));
    expect(streamedCalls[0]?.extra_content).toEqual({ google: { thought_signature: 'mock-thought-signature' } });

    await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Rome?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    const contents = (harness.upstream.requests[2]!.body as { contents: Json[] }).contents;
    expect(contents[1]).toEqual({
      role: 'model',
      parts: [{ functionCall: { id: call.id, name: 'get_weather', args: weather.arguments }, thoughtSignature: 'mock-thought-signature' }],
    });
  });
});

describe('every upstream error in the caller\'s shape', () => {
  const callers = {
    'openai-chat': (model: string) => ({ path: '/v1/chat/completions', body: { model, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] } }),
    'openai-responses': (model: string) => ({ path: '/v1/responses', body: { model, max_output_tokens: 50, input: 'hi' } }),
    'anthropic-messages': (model: string) => ({ path: '/v1/messages', body: { model, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] } }),
    gemini: (model: string) => ({ path: `/v1beta/models/${model}:generateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } }),
  };
  const providers = { anthropic: ['claude-haiku-4-5', '/v1/messages'], openai: ['gpt-4o-mini', '/v1/chat/completions'], gemini: ['gemini-2.5-flash', '/v1beta/models/gemini-2.5-flash:generateContent'] } as const;
  const expectedBody: Record<keyof typeof callers, Json> = {
    'openai-chat': { error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'upstream_error' } },
    'openai-responses': { error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'upstream_error' } },
    'anthropic-messages': { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
    gemini: { error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' } },
  };
  // Translated pairs: the caller's shape is not the one the provider is called in.
  const pairs = (Object.keys(callers) as Array<keyof typeof callers>).flatMap((caller) =>
    (Object.keys(providers) as Array<keyof typeof providers>)
      .filter((provider) => !(caller === 'anthropic-messages' && provider === 'anthropic') && !(caller === 'gemini' && provider === 'gemini') && !(caller.startsWith('openai') && provider === 'openai'))
      .map((provider) => [caller, provider] as const),
  );

  it.each(pairs)('%s caller, %s provider', async (caller, provider) => {
    const [model, upstreamPath] = providers[provider];
    const { path, body } = callers[caller](model);
    // Longer than the default maxRetryAfterMs: no retry, the caller gets the 429.
    harness.upstream.enqueue({ status: 429, retryAfter: 7, errorMessage: 'slow down' });
    const response = await fetch(`${harness.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.token}` },
      body: JSON.stringify(body),
    });
    expect(harness.upstream.requests[0]!.path).toBe(upstreamPath);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual(expectedBody[caller]);
    expect((await harness.usageRows()).at(-1)).toMatchObject({ statusCode: 429, outcome: 'error', errorCode: 'upstream_error' });
  });

  it('an error already in the caller\'s envelope keeps the provider\'s own type and code', async () => {
    harness.upstream.enqueue({ status: 404, errorMessage: 'The model does not exist' });
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
  });
});

describe('providers.gemini.apis: [gemini, openai-chat]', () => {
  let upstream: FakeUpstream;
  let compatible: TestGateway;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    compatible = await startTestGateway({
      providers: { gemini: { baseUrl: `${upstream.url}/v1beta`, apiKey: upstreamKeys.gemini, apis: ['gemini', 'openai-chat'] } },
    });
  });
  afterAll(async () => {
    await compatible.close();
    await upstream.close();
  });
  beforeEach(() => upstream.reset());

  it('passes OpenAI callers through to the OpenAI-compatible endpoint, and translates others to the native API', async () => {
    const openAi = new OpenAI({ apiKey: compatible.token, baseURL: `${compatible.url}/v1`, maxRetries: 0 });
    await openAi.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], vendor_field: 1 } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await fetch(`${compatible.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': compatible.token },
      body: JSON.stringify({ model: 'gemini-2.5-flash', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(upstream.requests.map((request) => request.path)).toEqual(['/v1beta/openai/chat/completions', '/v1beta/models/gemini-2.5-flash:generateContent']);
    expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${upstreamKeys.gemini}`);
    expect((upstream.requests[0]!.body as Json).vendor_field).toBe(1);
  });

  it('renders the endpoint\'s list-shaped Gemini errors in the OpenAI shape', async () => {
    upstream.enqueue({ status: 400, errorMessage: 'Invalid JSON payload received. Unknown name "thinking": Cannot find field.' });
    const response = await fetch(`${compatible.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${compatible.token}` },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { message: 'Invalid JSON payload received. Unknown name "thinking": Cannot find field.', type: 'invalid_request_error', param: null, code: 'upstream_error' },
    });
  });
});
