import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';

let upstream: FakeUpstream;
let openAi: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  openAi = new OpenAI({ apiKey: 'test', baseURL: `${upstream.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'test', baseURL: upstream.url, maxRetries: 0 });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const weatherTool = { name: 'get_weather', arguments: { city: 'Paris', units: 'celsius', days: [1, 2, 3] } };
const weatherToolDefinition = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } };

interface SseEvent {
  event: string | undefined;
  data: string;
}

/** The raw SSE frames of a streamed answer, to check what the SDKs would hide (pings, `usage: null`). */
async function rawStream(path: string, headers: Record<string, string>, body: unknown): Promise<SseEvent[]> {
  const response = await fetch(`${upstream.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const frames = (await response.text()).split('\n\n').filter((frame) => frame.length > 0);
  return frames.map((frame) => {
    const lines = frame.split('\n');
    return {
      event: lines.find((line) => line.startsWith('event: '))?.slice('event: '.length),
      data: lines.find((line) => line.startsWith('data: '))?.slice('data: '.length) ?? '',
    };
  });
}

/** An SDK's error class, to check which one a status becomes. */
type ErrorClass = abstract new (...args: never[]) => Error;

function postJson(path: string, headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(`${upstream.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('OpenAI Chat Completions, checked with the official SDK', () => {
  it('answers a whole completion with deterministic text and usage', async () => {
    const completion = await openAi.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'abcd' },
        { role: 'user', content: 'hello world' },
      ],
    });
    const received = upstream.requests[0]!;
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini', system_fingerprint: expect.any(String) });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices[0]).toMatchObject({
      index: 0,
      message: { role: 'assistant', content: 'Hello from the Sluice mock upstream. You said: hello world', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    });
    // 15 characters of prompt, 10 word pieces of reply.
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 10, total_tokens: 14 });
    expect(received.sentUsage).toEqual({ inputTokens: 4, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    expect(received.sentText).toBe(completion.choices[0]?.message.content);
    expect(received).toMatchObject({ method: 'POST', path: '/v1/chat/completions', clientAborted: false, completed: true });
    expect(received.headers.authorization).toBe('Bearer test');
    expect(received.body).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('counts cached tokens inside prompt_tokens and reasoning inside completion_tokens', async () => {
    upstream.enqueue({ usage: { cacheReadTokens: 6, reasoningTokens: 5 }, reply: 'one two three', model: 'gpt-4o-2024-08-06' });
    const completion = await openAi.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'abcdefgh' }] });
    expect(completion.model).toBe('gpt-4o-2024-08-06');
    expect(completion.usage).toEqual({
      prompt_tokens: 8,
      completion_tokens: 8,
      total_tokens: 16,
      prompt_tokens_details: { cached_tokens: 6, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 5, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(upstream.requests[0]!.sentUsage).toEqual({ inputTokens: 8, outputTokens: 8, cacheReadTokens: 6, cacheWriteTokens: 0, reasoningTokens: 5 });
  });

  it('streams word pieces, with no usage unless include_usage is asked', async () => {
    const stream = await openAi.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const pieces: string[] = [];
    let usageChunks = 0;
    for await (const chunk of stream) {
      if (chunk.usage) usageChunks++;
      const content = chunk.choices[0]?.delta.content;
      if (content) pieces.push(content);
    }
    expect(pieces.slice(0, 3)).toEqual(['Hello', ' from', ' the']);
    expect(pieces.join('')).toBe(upstream.requests[0]!.sentText);
    expect(usageChunks).toBe(0);
    expect(upstream.requests[0]!.sentUsage).toBeUndefined();

    const frames = await rawStream('/v1/chat/completions', { authorization: 'Bearer t' }, { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(frames.at(-1)?.data).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.data) as Record<string, unknown>);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && !('usage' in chunk))).toBe(true);
    expect(chunks[0]).toMatchObject({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    expect(chunks.at(-1)).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
  });

  it('with include_usage, sends usage: null on every chunk and a last chunk with no choices', async () => {
    const frames = await rawStream(
      '/v1/chat/completions',
      { authorization: 'Bearer t' },
      { model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] },
    );
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.data) as { usage: unknown; choices: unknown[] });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null && chunk.choices.length === 1)).toBe(true);
    const sent = upstream.requests[0]!.sentUsage!;
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: sent.inputTokens, completion_tokens: sent.outputTokens } });
  });

  it('streams a tool call in argument pieces that reassemble to the right JSON', async () => {
    upstream.enqueue({ toolCall: weatherTool });
    const runner = openAi.chat.completions.stream({
      model: 'gpt-4o-mini',
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [weatherToolDefinition],
    });
    let argumentPieces = 0;
    runner.on('chunk', (chunk) => {
      if (chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments) argumentPieces++;
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual(weatherTool.arguments);
    expect(call?.id).toMatch(/^call_/);
    expect(argumentPieces).toBeGreaterThan(1);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.usage?.completion_tokens).toBe(upstream.requests[0]!.sentUsage!.outputTokens);

    upstream.enqueue({ toolCall: weatherTool });
    const whole = await openAi.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'weather?' }], tools: [weatherToolDefinition] });
    expect(whole.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather' } }] } });
  });

  it("serves Gemini's OpenAI-compatible path", async () => {
    const gemini = new OpenAI({ apiKey: 'gemini-key', baseURL: `${upstream.url}/v1beta/openai`, maxRetries: 0 });
    const completion = await gemini.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe(upstream.requests[0]!.sentText);
    const stream = await gemini.chat.completions.create({
      model: 'gemini-2.5-flash',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    let promptTokens: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) promptTokens = chunk.usage.prompt_tokens;
    }
    expect(text).toBe(upstream.requests[1]!.sentText);
    expect(promptTokens).toBe(upstream.requests[1]!.sentUsage!.inputTokens);
    expect(upstream.requests.map((request) => request.path)).toEqual(['/v1beta/openai/chat/completions', '/v1beta/openai/chat/completions']);
  });
});

describe('Anthropic Messages, checked with the official SDK', () => {
  it('answers a whole message, reporting cache tokens beside input_tokens', async () => {
    upstream.enqueue({ usage: { cacheReadTokens: 10, cacheWriteTokens: 4 } });
    const message = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      system: [{ type: 'text', text: 'abc' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [{ type: 'text', text: 'Hello from the Sluice mock upstream. You said: hello' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 2, cache_read_input_tokens: 10, cache_creation_input_tokens: 4, output_tokens: 9 },
    });
    expect(message.id).toMatch(/^msg_/);
    expect(upstream.requests[0]!.sentUsage).toEqual({ inputTokens: 16, outputTokens: 9, cacheReadTokens: 10, cacheWriteTokens: 4, reasoningTokens: 0 });
    expect(upstream.requests[0]!.headers['anthropic-version']).toBeDefined();
  });

  it('streams the exact event sequence, and the SDK rebuilds text and usage from it', async () => {
    const stream = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] });
    const final = await stream.finalMessage();
    const received = upstream.requests[0]!;
    expect(final.content).toEqual([{ type: 'text', text: received.sentText }]);
    expect(final.usage).toMatchObject({ input_tokens: received.sentUsage!.inputTokens, output_tokens: received.sentUsage!.outputTokens });

    const frames = await rawStream(
      '/v1/messages',
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      { model: 'claude-haiku-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'a b' }] },
    );
    const pieces = 'Hello from the Sluice mock upstream. You said: a b'.split(' ').length;
    expect(frames.map((frame) => frame.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array<string>(pieces).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const frame of frames) expect(JSON.parse(frame.data)).toMatchObject({ type: frame.event });
    expect(JSON.parse(frames[0]!.data)).toMatchObject({ message: { content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } } });
    expect(JSON.parse(frames.at(-2)!.data)).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: pieces } });
  });

  it('streams a tool call as input_json_delta pieces', async () => {
    upstream.enqueue({ toolCall: weatherTool });
    const stream = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'weather' }] });
    let jsonPieces = 0;
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') jsonPieces++;
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: weatherTool.arguments });
    expect((final.content[0] as { id: string }).id).toMatch(/^toolu_/);
    expect(final.stop_reason).toBe('tool_use');
    expect(jsonPieces).toBeGreaterThan(1);

    upstream.enqueue({ toolCall: weatherTool });
    const whole = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'weather' }] });
    expect(whole).toMatchObject({ stop_reason: 'tool_use', content: [{ type: 'tool_use', input: weatherTool.arguments }] });
  });

  it('counts tokens and lists models', async () => {
    const counted = await anthropic.messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'twelve chars' }] });
    expect(counted).toEqual({ input_tokens: 3 });
    const anthropicModels = await anthropic.models.list();
    expect(anthropicModels.data[0]?.id).toBe('mock-echo');
    const openAiModels = await openAi.models.list();
    expect(openAiModels.data[0]?.id).toBe('mock-echo');
  });
});

describe('errors in each provider shape', () => {
  it('429 with retry-after, from a queued behavior and from a directive', async () => {
    upstream.enqueue({ status: 429, retryAfter: 3 });
    const limited = await openAi.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('3');
    expect(limited).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded', param: null } });

    const directed = await anthropic.messages
      .create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hi [[mock {"status":429,"retryAfter":1}]]' }] })
      .catch((error: unknown) => error);
    expect(directed).toBeInstanceOf(Anthropic.RateLimitError);
    expect((directed as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('1');
    expect(directed).toMatchObject({ error: { type: 'error', error: { type: 'rate_limit_error' }, request_id: expect.stringMatching(/^req_/) } });
  });

  it('maps each status to the error type the provider documents', async () => {
    // Written from https://docs.claude.com/en/api/errors ("HTTP errors"), not from the fake's own table; the
    // docs add that other 4XX statuses may also use invalid_request_error (422 here). The SDK's class per
    // status is a second, independent reading of the same status.
    const anthropicDocumented: Array<[status: number, type: string, sdkClass: ErrorClass]> = [
      [400, 'invalid_request_error', Anthropic.BadRequestError],
      [401, 'authentication_error', Anthropic.AuthenticationError],
      [403, 'permission_error', Anthropic.PermissionDeniedError],
      [404, 'not_found_error', Anthropic.NotFoundError],
      [413, 'request_too_large', Anthropic.APIError],
      [422, 'invalid_request_error', Anthropic.UnprocessableEntityError],
      [429, 'rate_limit_error', Anthropic.RateLimitError],
      [500, 'api_error', Anthropic.InternalServerError],
      [529, 'overloaded_error', Anthropic.InternalServerError],
    ];
    for (const [status, type, sdkClass] of anthropicDocumented) {
      upstream.enqueue({ status, errorMessage: `boom ${status}` });
      const response = await postJson('/v1/messages', { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, { model: 'm', max_tokens: 1, messages: [] });
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ type: 'error', error: { type, message: `boom ${status}` }, request_id: expect.stringMatching(/^req_/) });
      upstream.enqueue({ status });
      const failure = await anthropic.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(sdkClass);
      expect(failure).toMatchObject({ status, error: { error: { type } } });
    }

    // https://ai.google.dev/gemini-api/docs/troubleshooting ("Gemini API backend service error codes"), plus
    // 401 UNAUTHENTICATED, the google.rpc code Google APIs send for a missing or bad credential.
    const geminiDocumented: Array<[status: number, statusName: string]> = [
      [400, 'INVALID_ARGUMENT'],
      [401, 'UNAUTHENTICATED'],
      [403, 'PERMISSION_DENIED'],
      [404, 'NOT_FOUND'],
      [429, 'RESOURCE_EXHAUSTED'],
      [500, 'INTERNAL'],
      [503, 'UNAVAILABLE'],
      [504, 'DEADLINE_EXCEEDED'],
    ];
    for (const [status, statusName] of geminiDocumented) {
      upstream.enqueue({ status, errorMessage: `boom ${status}` });
      const response = await postJson('/v1beta/models/gemini-2.5-flash:generateContent', { 'x-goog-api-key': 'k' }, { contents: [{ role: 'user', parts: [{ text: 'x' }] }] });
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({ error: { code: status, message: `boom ${status}`, status: statusName } });
    }

    // OpenAI documents no type per status; its SDK picks the error class from the status alone.
    const openAiClasses: Array<[status: number, sdkClass: ErrorClass]> = [
      [400, OpenAI.BadRequestError],
      [401, OpenAI.AuthenticationError],
      [403, OpenAI.PermissionDeniedError],
      [404, OpenAI.NotFoundError],
      [429, OpenAI.RateLimitError],
      [500, OpenAI.InternalServerError],
      [503, OpenAI.InternalServerError],
    ];
    for (const [status, sdkClass] of openAiClasses) {
      upstream.enqueue({ status, errorMessage: `boom ${status}` });
      const failure = await openAi.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(sdkClass);
      expect(failure).toMatchObject({ status, error: { message: `boom ${status}`, param: null } });
    }
    upstream.enqueue({ status: 503 });
    const unavailable = await postJson('/v1/chat/completions', { authorization: 'Bearer k' }, { model: 'm', messages: [] });
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toEqual({ error: { message: 'mock error 503', type: 'server_error', param: null, code: null } });
  });

  it('refuses missing and invalid keys, and requests without required fields', async () => {
    const badOpenAi = new OpenAI({ apiKey: 'invalid-key', baseURL: `${upstream.url}/v1`, maxRetries: 0 });
    await expect(badOpenAi.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 401,
      error: { type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    });
    const badAnthropic = new Anthropic({ apiKey: 'invalid-key', baseURL: upstream.url, maxRetries: 0 });
    await expect(badAnthropic.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
    const keyless = await postJson('/v1/messages', { 'anthropic-version': '2023-06-01' }, {});
    expect(keyless.status).toBe(401);
    expect(await keyless.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' }, request_id: expect.any(String) });
    expect((await postJson('/v1/chat/completions', {}, {})).status).toBe(401);

    const noMaxTokens = await postJson('/v1/messages', { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, { model: 'm', messages: [] });
    expect(noMaxTokens.status).toBe(400);
    expect(await noMaxTokens.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    const noMessages = await postJson('/v1/chat/completions', { authorization: 'Bearer k' }, { model: 'm' });
    expect(noMessages.status).toBe(400);

    const unknown = await fetch(`${upstream.url}/v2/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { message: expect.any(String) } });
  });
});

describe('behaviors', () => {
  it('picks the queued behavior, then the header, then the directive, then the default', async () => {
    const steered = await startFakeUpstream({ defaultBehavior: { reply: 'from default' } });
    try {
      const ask = async (headers: Record<string, string>, content: string) => {
        const response = await fetch(`${steered.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer t', 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content }] }),
        });
        return ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
      };
      const header = { 'x-mock-behavior': '{"reply":"from header"}' };
      const directive = 'x [[mock {"reply":"from directive"}]]';
      steered.enqueue({ reply: 'from queue' });
      expect(await ask(header, directive)).toBe('from queue');
      expect(await ask(header, directive)).toBe('from header');
      expect(await ask({}, directive)).toBe('from directive');
      expect(await ask({}, 'x')).toBe('from default');
      expect(await ask({ 'x-mock-behavior': 'not json' }, 'x')).toBe('from default');
    } finally {
      await steered.close();
    }
  });

  it('reads the directive from the last user message only, and leaves it out of the echo', async () => {
    const completion = await openAi.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'user', content: 'first [[mock {"status":500}]]' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'tell me [[mock {"toolCall":{"name":"lookup","arguments":{"q":"x"}}}]] more' },
      ],
    });
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'lookup', arguments: '{"q":"x"}' } });
    const echoed = await anthropic.messages.create({ model: 'm', max_tokens: 9, messages: [{ role: 'user', content: 'hi [[mock {"model":"claude-real"}]]' }] });
    expect(echoed).toMatchObject({ model: 'claude-real', content: [{ text: 'Hello from the Sluice mock upstream. You said: hi' }] });
  });

  it('omitUsage sends no usage numbers in any shape', async () => {
    upstream.enqueue({ omitUsage: true });
    const message = await anthropic.messages.create({ model: 'm', max_tokens: 9, messages: [{ role: 'user', content: 'x' }] });
    expect(message.usage).toBeUndefined();
    upstream.enqueue({ omitUsage: true });
    const streamed = await anthropic.messages.stream({ model: 'm', max_tokens: 9, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    expect(streamed.usage.output_tokens).toBeUndefined();
    upstream.enqueue({ omitUsage: true });
    const chunks = await openAi.chat.completions.create({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x' }] });
    for await (const chunk of chunks) expect(chunk.usage ?? undefined).toBeUndefined();
    expect(upstream.requests.map((request) => request.sentUsage)).toEqual([undefined, undefined, undefined]);
  });

  it('waits delayMs before answering and chunkDelayMs between events', async () => {
    upstream.enqueue({ delayMs: 120 });
    const started = Date.now();
    await openAi.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);

    upstream.enqueue({ chunkDelayMs: 40, reply: 'a b c' });
    const stream = await openAi.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const arrivals: number[] = [];
    for await (const _chunk of stream) arrivals.push(Date.now());
    // Role chunk, three pieces, finish chunk: four gaps.
    expect(arrivals).toHaveLength(5);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(140);
  });

  it('hangs until the client goes away, and records the abort', async () => {
    upstream.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = openAi.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal }).catch(() => 'aborted');
    await upstream.waitForRequests(1);
    expect(upstream.requests[0]!.clientAborted).toBe(false);
    controller.abort();
    expect(await pending).toBe('aborted');
    await upstream.waitForClientAbort(0);
    expect(upstream.requests[0]!.completed).toBe(false);
  });

  it('records a client that leaves mid-stream', async () => {
    upstream.enqueue({ chunkDelayMs: 30 });
    const stream = anthropic.messages.stream({ model: 'm', max_tokens: 64, messages: [{ role: 'user', content: 'x' }] });
    const finished = stream.finalMessage().catch(() => 'aborted');
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));
    stream.abort();
    expect(await finished).toBe('aborted');
    await upstream.waitForClientAbort(0);
    expect(upstream.requests[0]!.completed).toBe(false);
  });

  it('dropAfterEvents cuts the connection mid-stream, and the SDKs throw', async () => {
    upstream.enqueue({ dropAfterEvents: 3 });
    const stream = anthropic.messages.stream({ model: 'm', max_tokens: 64, messages: [{ role: 'user', content: 'x' }] });
    const seen: string[] = [];
    stream.on('streamEvent', (event) => seen.push(event.type));
    await expect(stream.finalMessage()).rejects.toThrow();
    // message_start and content_block_start reach the SDK (the ping it swallows), then the cut.
    expect(seen).toEqual(['message_start', 'content_block_start']);

    upstream.enqueue({ dropAfterEvents: 2 });
    const chunks = await openAi.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
    await expect(
      (async () => {
        for await (const _chunk of chunks) {
          // drain until the cut
        }
      })(),
    ).rejects.toThrow();

    upstream.enqueue({ dropAfterEvents: 0 });
    await expect(openAi.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow();
    expect(upstream.requests.map((request) => [request.clientAborted, request.completed])).toEqual([
      [false, false],
      [false, false],
      [false, false],
    ]);
  });

  it('close() ends hung and delayed requests at once', async () => {
    const stopping = await startFakeUpstream({ defaultBehavior: { hang: true } });
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const post = () => fetch(`${stopping.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer t' }, body }).catch(() => 'closed');
    const hung = post();
    stopping.enqueue({ delayMs: 60_000 });
    const delayed = post();
    await stopping.waitForRequests(2);
    const started = Date.now();
    await stopping.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await Promise.all([hung, delayed])).toEqual(['closed', 'closed']);
  });
});
