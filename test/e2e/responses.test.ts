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

type Json = Record<string, unknown>;
const lastRow = async () => (await harness.usageRows()).at(-1)!;
/** The SDK adds `output_text` to created responses only; streamed ones are read from their items. */
const textOf = (response: OpenAI.Responses.Response) =>
  response.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
const weather = { name: 'get_weather', arguments: { city: 'Lyon' } };
const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('Responses API, OpenAI model: pass-through', () => {
  it('forwards the body untouched and meters the answer', async () => {
    const response = await client.responses.create({
      model: 'gpt-4o-mini',
      instructions: 'Be brief.',
      input: 'Hello Responses',
      store: false,
      previous_response_id: undefined,
    });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1/responses');
    expect(received.headers.authorization).toBe(`Bearer ${upstreamKeys.openai}`);
    expect(received.body).toEqual({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'Hello Responses', store: false });
    expect(response.output_text).toBe(received.sentText);
    expect(await lastRow()).toMatchObject({ inboundDialect: 'openai-responses', provider: 'openai', inputTokens: received.sentUsage!.inputTokens, outputTokens: received.sentUsage!.outputTokens });
  });

  it('streams untouched and meters the final event', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'stream please' });
    const final = await stream.finalResponse();
    const received = harness.upstream.requests[0]!;
    expect(textOf(final)).toBe(received.sentText);
    expect(await lastRow()).toMatchObject({ stream: true, outputTokens: received.sentUsage!.outputTokens, outputTokensEstimated: false });
  });

  it('keeps previous_response_id for OpenAI, which holds the state', async () => {
    await client.responses.create({ model: 'gpt-4o-mini', input: 'continue', previous_response_id: 'resp_123' });
    expect((harness.upstream.requests[0]!.body as Json).previous_response_id).toBe('resp_123');
  });
});

describe('Responses API, Anthropic model: translated', () => {
  it('translates request, answer and usage', async () => {
    const response = await client.responses.create({
      model: 'haiku',
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Answer in English.' },
        { role: 'user', content: [{ type: 'input_text', text: 'Hello Claude, from Responses' }] },
      ],
      max_output_tokens: 100,
    });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1/messages');
    expect(received.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Answer in English.' },
      ],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello Claude, from Responses' }] }],
    });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe(received.sentText);
    expect(response.usage).toMatchObject({ input_tokens: received.sentUsage!.inputTokens, output_tokens: received.sentUsage!.outputTokens });
    expect(await lastRow()).toMatchObject({ inboundDialect: 'openai-responses', provider: 'anthropic', inputTokens: received.sentUsage!.inputTokens });
  });

  it('streams the full event sequence', async () => {
    const stream = client.responses.stream({ model: 'claude-haiku-4-5', input: 'stream across' });
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    const final = await stream.finalResponse();
    const received = harness.upstream.requests[0]!;
    expect(textOf(final)).toBe(received.sentText);
    expect(final.usage?.output_tokens).toBe(received.sentUsage!.outputTokens);
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
  });

  it('round-trips function calls, streamed and not', async () => {
    harness.upstream.enqueue({ toolCall: weather });
    const first = await client.responses.create({ model: 'haiku', tools: [weatherTool], input: 'Weather in Lyon?' });
    const call = first.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather' });
    expect(JSON.parse(call.arguments)).toEqual(weather.arguments);

    await client.responses.create({
      model: 'haiku',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'Weather in Lyon?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: 'rainy' },
      ],
    });
    const messages = (harness.upstream.requests[1]!.body as { messages: Json[] }).messages;
    expect(messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: call.call_id, name: 'get_weather', input: weather.arguments }] });
    expect(messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.call_id, content: [{ type: 'text', text: 'rainy' }] }] });

    harness.upstream.enqueue({ toolCall: weather });
    const streamed = await client.responses.stream({ model: 'haiku', tools: [weatherTool], input: 'Weather?' }).finalResponse();
    const streamedCall = streamed.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(JSON.parse(streamedCall.arguments)).toEqual(weather.arguments);
  });

  it('refuses what only OpenAI can serve, naming it', async () => {
    const stateful = await client.responses.create({ model: 'haiku', input: 'x', previous_response_id: 'resp_1' }).catch((error: unknown) => error);
    expect(stateful).toMatchObject({ status: 400 });
    expect(String(stateful)).toContain('previous_response_id');
    const forced = await client.responses
      .create({ model: 'haiku', input: 'x', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search_preview' } })
      .catch((error: unknown) => error);
    expect(forced).toMatchObject({ status: 400 });
    expect(String(forced)).toContain('web_search_preview');
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('drops hosted tools the model is merely offered, with a warning', async () => {
    const response = await client.responses
      .create({ model: 'haiku', input: 'x', tools: [{ type: 'web_search' }, weatherTool] })
      .withResponse();
    expect(response.response.headers.get('x-sluice-warning')).toContain('web_search');
    expect((harness.upstream.requests[0]!.body as Json).tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: weatherTool.parameters },
    ]);
  });
});

describe('Chat Completions caller, Responses-only provider', () => {
  it('translates into the Responses API when that is all the provider speaks', async () => {
    const responsesOnly = await startTestGateway({
      providers: { codexy: { type: 'openai-compatible', baseUrl: `${harness.upstream.url}/v1`, apis: ['openai-responses'], apiKey: 'responses-only-key', models: ['codex-model'] } },
    });
    try {
      const chat = new OpenAI({ apiKey: responsesOnly.token, baseURL: `${responsesOnly.url}/v1`, maxRetries: 0 });
      const completion = await chat.chat.completions.create({ model: 'codex-model', messages: [{ role: 'user', content: 'hi there' }] });
      const received = harness.upstream.requests[0]!;
      expect(received.path).toBe('/v1/responses');
      expect(received.body).toMatchObject({ model: 'codex-model', store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi there' }] }] });
      expect(completion.choices[0]?.message.content).toBe(received.sentText);
      const stream = await chat.chat.completions.create({ model: 'codex-model', stream: true, messages: [{ role: 'user', content: 'stream' }] });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe(harness.upstream.requests[1]!.sentText);
    } finally {
      await responsesOnly.close();
    }
  });
});
