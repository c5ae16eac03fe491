import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;
let openAi: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  harness = await startTestGateway();
  openAi = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

type Json = Record<string, unknown>;
const lastRow = async () => (await harness.usageRows()).at(-1)!;
const weather = { name: 'get_weather', arguments: { city: 'Paris', days: [1, 2] } };
const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

describe('OpenAI SDK → Anthropic model', () => {
  it('translates the request, the answer and the usage', async () => {
    const completion = await openAi.chat.completions.create({
      model: 'haiku',
      max_tokens: 300,
      temperature: 0.5,
      stop: ['END'],
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello Claude' },
      ],
    });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1/messages');
    expect(received.headers['x-api-key']).toBe(upstreamKeys.anthropic);
    expect(received.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 300,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello Claude' }] }],
      temperature: 0.5,
      stop_sequences: ['END'],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(received.sentText);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.prompt_tokens).toBe(received.sentUsage!.inputTokens);
    expect(completion.usage?.completion_tokens).toBe(received.sentUsage!.outputTokens);
    expect(await lastRow()).toMatchObject({
      inboundDialect: 'openai-chat',
      provider: 'anthropic',
      inputTokens: received.sentUsage!.inputTokens,
      outputTokens: received.sentUsage!.outputTokens,
      outcome: 'ok',
    });
  });

  it('streams event by event, with the usage chunk when asked', async () => {
    harness.upstream.enqueue({ usage: { cacheReadTokens: 6 } });
    const stream = await openAi.chat.completions.create({
      model: 'claude-haiku-4-5',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream across shapes' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    const received = harness.upstream.requests[0]!;
    expect(text).toBe(received.sentText);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({
      prompt_tokens: received.sentUsage!.inputTokens,
      completion_tokens: received.sentUsage!.outputTokens,
      prompt_tokens_details: { cached_tokens: 6 },
    });
    expect(await lastRow()).toMatchObject({ stream: true, inputTokens: received.sentUsage!.inputTokens, cacheReadTokens: 6, outputTokensEstimated: false });
  });

  it('round-trips tool calls, streamed and not', async () => {
    harness.upstream.enqueue({ toolCall: weather });
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: weatherSchema } }];
    const first = await openAi.chat.completions.create({ model: 'haiku', tools, tool_choice: 'required', messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual(weather.arguments);
    const sent = harness.upstream.requests[0]!.body as Json;
    expect(sent.tools).toEqual([{ name: 'get_weather', description: 'Weather', input_schema: weatherSchema }]);
    expect(sent.tool_choice).toEqual({ type: 'any' });

    await openAi.chat.completions.create({
      model: 'haiku',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call!.id, content: '18°C and sunny' },
      ],
    });
    const followUp = (harness.upstream.requests[1]!.body as { messages: Json[] }).messages;
    expect(followUp[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: call!.id, name: 'get_weather', input: weather.arguments }] });
    expect(followUp[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call!.id, content: [{ type: 'text', text: '18°C and sunny' }] }],
    });

    harness.upstream.enqueue({ toolCall: weather });
    const streamed = await openAi.chat.completions
      .stream({ model: 'haiku', tools, messages: [{ role: 'user', content: 'Weather?' }] })
      .finalChatCompletion();
    const streamedCall = streamed.choices[0]?.message.tool_calls?.[0];
    expect(streamedCall?.type === 'function' && JSON.parse(streamedCall.function.arguments)).toEqual(weather.arguments);
  });

  it('answers upstream errors in the OpenAI shape with the upstream status, message and retry-after', async () => {
    harness.upstream.enqueue({ status: 429, retryAfter: 9, errorMessage: 'Slow down, please' });
    const failure = (await openAi.chat.completions
      .create({ model: 'haiku', messages: [{ role: 'user', content: 'x' }] })
      .then(() => undefined, (error: unknown) => error)) as InstanceType<typeof OpenAI.APIError>;
    expect(failure.status).toBe(429);
    expect(failure.message).toContain('Slow down, please');
    expect(failure.headers?.get('retry-after')).toBe('9');
    expect(await lastRow()).toMatchObject({ statusCode: 429, errorCode: 'upstream_error' });
  });
});

describe('Anthropic SDK → OpenAI model', () => {
  it('translates the request, the answer and the usage', async () => {
    const message = await anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 200,
      system: 'You are terse.',
      metadata: { user_id: 'user-7' },
      messages: [{ role: 'user', content: 'Hello GPT' }],
    });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1/chat/completions');
    expect(received.headers.authorization).toBe(`Bearer ${upstreamKeys.openai}`);
    expect(received.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello GPT' },
      ],
      max_completion_tokens: 200,
      user: 'user-7',
    });
    expect(message.type).toBe('message');
    expect(message.content).toEqual([{ type: 'text', text: received.sentText }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: received.sentUsage!.inputTokens, output_tokens: received.sentUsage!.outputTokens });
    expect(await lastRow()).toMatchObject({ inboundDialect: 'anthropic-messages', provider: 'openai', requester: 'user-7' });
  });

  it('streams the Messages event sequence, tool calls included', async () => {
    const stream = anthropic.messages.stream({ model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'stream it' }] });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    const received = harness.upstream.requests[0]!;
    expect(final.content).toEqual([{ type: 'text', text: received.sentText }]);
    expect(final.usage.output_tokens).toBe(received.sentUsage!.outputTokens);
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect((received.body as Json).stream_options).toEqual({ include_usage: true });

    harness.upstream.enqueue({ toolCall: weather });
    const toolStream = anthropic.messages.stream({
      model: 'gpt-4o-mini',
      max_tokens: 200,
      tools: [{ name: 'get_weather', input_schema: weatherSchema as Anthropic.Tool.InputSchema }],
      messages: [{ role: 'user', content: 'weather?' }],
    });
    const toolMessage = await toolStream.finalMessage();
    expect(toolMessage.stop_reason).toBe('tool_use');
    const toolUse = toolMessage.content[0] as Anthropic.ToolUseBlock;
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'get_weather', input: weather.arguments });

    await anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 200,
      tools: [{ name: 'get_weather', input_schema: weatherSchema as Anthropic.Tool.InputSchema }],
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: toolMessage.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny' }, { type: 'text', text: 'thanks' }] },
      ],
    });
    const followUp = (harness.upstream.requests[2]!.body as { messages: Json[] }).messages;
    expect(followUp[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: toolUse.id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(weather.arguments) } }],
    });
    expect(followUp[2]).toEqual({ role: 'tool', tool_call_id: toolUse.id, content: 'sunny' });
    expect(followUp[3]).toEqual({ role: 'user', content: 'thanks' });
  });

  it('drops thinking for a target without it, and says so', async () => {
    const response = await anthropic.messages
      .create({
        model: 'gpt-4o-mini',
        max_tokens: 2048,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'think' }],
      })
      .withResponse();
    expect(response.response.headers.get('x-sluice-warning')).toContain('thinking dropped');
    expect((harness.upstream.requests[0]!.body as Json).thinking).toBeUndefined();
  });
});

describe('one call, one count', () => {
  it('records the same tokens whichever shape the caller used', async () => {
    const prompt = 'Count these tokens the same way in every shape, please.';
    await openAi.chat.completions.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: prompt }] });
    await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: prompt }] });
    const rows = (await harness.usageRows()).slice(-2);
    expect(rows[0]!.inboundDialect).not.toBe(rows[1]!.inboundDialect);
    expect([rows[0]!.inputTokens, rows[0]!.outputTokens]).toEqual([rows[1]!.inputTokens, rows[1]!.outputTokens]);
    // Both priced (two nulls would be equal too), and priced the same.
    expect(rows[0]!.costUsd).toBeGreaterThan(0);
    expect(rows[0]!.costUsd).toBe(rows[1]!.costUsd);
  });
});

describe('count_tokens', () => {
  it('asks Anthropic for its models and estimates locally for the others, saying so', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'How many tokens is this sentence, roughly?' }];
    const counted = await anthropic.messages.countTokens({ model: 'claude-haiku-4-5', messages }).withResponse();
    expect(harness.upstream.requests[0]!.path).toBe('/v1/messages/count_tokens');
    expect(counted.data.input_tokens).toBeGreaterThan(0);
    expect(counted.response.headers.get('x-sluice-token-estimate')).toBeNull();

    const estimated = await anthropic.messages.countTokens({ model: 'gpt-4o-mini', system: 'Be brief.', messages }).withResponse();
    expect(estimated.response.headers.get('x-sluice-token-estimate')).toBe('true');
    expect(estimated.data.input_tokens).toBe(Math.ceil(('Be brief.'.length + 'How many tokens is this sentence, roughly?'.length) / 4));
    expect(harness.upstream.requests).toHaveLength(1);

    await expect(anthropic.messages.countTokens({ model: 'no-such-model', messages })).rejects.toMatchObject({ status: 404 });
  });
});
