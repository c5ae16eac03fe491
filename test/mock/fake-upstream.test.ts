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

describe('fake upstream speaks the real wire formats (checked with the official SDKs)', () => {
  it('OpenAI: completion and stream, usage only when asked, tool calls streamed in pieces', async () => {
    const completion = await openAi.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.usage?.prompt_tokens).toBe(upstream.requests[0]!.sentUsage!.inputTokens);

    const plain = await openAi.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let plainUsage = 0;
    for await (const chunk of plain) if (chunk.usage) plainUsage++;
    expect(plainUsage).toBe(0);

    const runner = openAi.chat.completions.stream({
      model: 'gpt-4o-mini',
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    upstream.enqueue({ toolCall: weatherTool });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual(weatherTool.arguments);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.usage?.completion_tokens).toBe(upstream.requests[2]!.sentUsage!.outputTokens);
  });

  it('Anthropic: message and stream with the exact event sequence, cache tokens reported beside input', async () => {
    upstream.enqueue({ usage: { cacheReadTokens: 10, cacheWriteTokens: 4 } });
    const message = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] });
    expect(message.usage.cache_read_input_tokens).toBe(10);
    expect(message.usage.input_tokens + 14).toBe(upstream.requests[0]!.sentUsage!.inputTokens);

    upstream.enqueue({ toolCall: weatherTool });
    const stream = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'weather' }] });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: weatherTool.arguments });
    expect(final.stop_reason).toBe('tool_use');
    expect(types.filter((type) => type === 'content_block_delta').length).toBeGreaterThan(1);
    expect([types[0], types.at(-2), types.at(-1)]).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('answers errors in each provider shape, with retry-after, and honours directives and header behaviors', async () => {
    upstream.enqueue({ status: 429, retryAfter: 3 });
    await expect(openAi.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 429,
      headers: expect.objectContaining({}),
    });
    const limited = await anthropic.messages
      .create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'x [[mock {"status":529}]]' }] })
      .catch((error: unknown) => error);
    expect(limited).toMatchObject({ status: 529, error: { type: 'error', error: { type: 'overloaded_error' } } });
    const steered = await fetch(`${upstream.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json', 'x-mock-behavior': '{"reply":"steered"}' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(((await steered.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('steered');
    const unauthorized = await fetch(`${upstream.url}/v1/messages`, { method: 'POST', body: '{}' });
    expect(unauthorized.status).toBe(401);
  });

  it('records client aborts during a hang, and drops the connection mid-stream on request', async () => {
    upstream.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = openAi.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal })
      .catch(() => 'aborted');
    await upstream.waitForRequests(1);
    controller.abort();
    expect(await pending).toBe('aborted');
    await upstream.waitForClientAbort(0);

    upstream.enqueue({ dropAfterEvents: 3 });
    const stream = anthropic.messages.stream({ model: 'claude-x', max_tokens: 64, messages: [{ role: 'user', content: 'x' }] });
    await expect(stream.finalMessage()).rejects.toThrow();
  });
});
