import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;
let gemini: GoogleGenAI;

beforeAll(async () => {
  harness = await startTestGateway();
  gemini = new GoogleGenAI({ apiKey: harness.token, httpOptions: { baseUrl: harness.url } });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

type Json = Record<string, unknown>;
const lastRow = async () => (await harness.usageRows()).at(-1)!;
const weather = { name: 'get_weather', arguments: { city: 'Rome' } };

describe('Gemini SDK → Gemini model: pass-through', () => {
  it('forwards generateContent with the provider key in x-goog-api-key, and meters it', async () => {
    const response = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Hello Gemini',
      config: { systemInstruction: 'Be brief.', maxOutputTokens: 64 },
    });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(received.headers['x-goog-api-key']).toBe(upstreamKeys.gemini);
    expect(JSON.stringify(received)).not.toContain(harness.token);
    expect(response.text).toBe(received.sentText);
    expect(response.usageMetadata?.promptTokenCount).toBe(received.sentUsage!.inputTokens);
    expect(await lastRow()).toMatchObject({
      inboundDialect: 'gemini',
      provider: 'gemini',
      requestedModel: 'gemini-2.5-flash',
      inputTokens: received.sentUsage!.inputTokens,
      outputTokens: received.sentUsage!.outputTokens,
    });
  });

  it('streams with alt=sse, without leaking the caller query upstream', async () => {
    let text = '';
    for await (const chunk of await gemini.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'stream please' })) {
      text += chunk.text ?? '';
    }
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(received.query).toEqual({ alt: 'sse' });
    expect(text).toBe(received.sentText);
    expect(await lastRow()).toMatchObject({ stream: true, outcome: 'ok', outputTokens: received.sentUsage!.outputTokens, outputTokensEstimated: false });
  });

  it('pins the provider under /gemini', async () => {
    const pinned = new GoogleGenAI({ apiKey: harness.token, httpOptions: { baseUrl: `${harness.url}/gemini` } });
    const response = await pinned.models.generateContent({ model: 'gemini-2.5-pro', contents: 'hi' });
    expect(response.text).toBeTruthy();
    expect((await lastRow()).provider).toBe('gemini');
  });
});

describe('Gemini SDK → Anthropic model: translated', () => {
  it('answers, streams and meters in the Gemini shape', async () => {
    const response = await gemini.models.generateContent({ model: 'claude-haiku-4-5', contents: 'Hello Claude, from Gemini' });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1/messages');
    expect((received.body as Json).messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello Claude, from Gemini' }] }]);
    expect(response.text).toBe(received.sentText);
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: received.sentUsage!.inputTokens, candidatesTokenCount: received.sentUsage!.outputTokens });

    let text = '';
    for await (const chunk of await gemini.models.generateContentStream({ model: 'claude-haiku-4-5', contents: 'stream' })) text += chunk.text ?? '';
    expect(text).toBe(harness.upstream.requests[1]!.sentText);
    expect(await lastRow()).toMatchObject({ inboundDialect: 'gemini', provider: 'anthropic', stream: true, outcome: 'ok' });
  });

  it('round-trips a function call', async () => {
    harness.upstream.enqueue({ toolCall: weather });
    const tools = [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }] }];
    const first = await gemini.models.generateContent({ model: 'claude-haiku-4-5', contents: 'Weather in Rome?', config: { tools } });
    const call = first.functionCalls?.[0];
    expect(call).toMatchObject({ name: 'get_weather', args: weather.arguments });
    await gemini.models.generateContent({
      model: 'claude-haiku-4-5',
      config: { tools },
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Rome?' }] },
        { role: 'model', parts: [{ functionCall: call! }] },
        { role: 'user', parts: [{ functionResponse: { id: call!.id, name: 'get_weather', response: { forecast: 'sunny' } } }] },
      ],
    });
    const messages = (harness.upstream.requests[1]!.body as { messages: Json[] }).messages;
    expect(messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: call!.id, name: 'get_weather', input: weather.arguments }] });
    expect(messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call!.id, content: [{ type: 'text', text: '{"forecast":"sunny"}' }] }],
    });
  });
});

describe('OpenAI and Anthropic SDKs → Gemini model', () => {
  it('OpenAI SDK is translated to the native API by default (see gemini-native-default.test.ts)', async () => {
    const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(harness.upstream.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(completion.choices[0]?.message.content).toBe(harness.upstream.requests[0]!.sentText);
  });

  it('Anthropic SDK is translated to the native API, tool calls and thought signatures included', async () => {
    const client = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
    const message = await client.messages.create({ model: 'gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content: 'Hello Gemini' }] });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(received.headers['x-goog-api-key']).toBe(upstreamKeys.gemini);
    expect(received.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hello Gemini' }] }], generationConfig: { maxOutputTokens: 100 } });
    expect(message.content).toEqual([{ type: 'text', text: received.sentText }]);
    expect(message.usage.output_tokens).toBe(received.sentUsage!.outputTokens);

    harness.upstream.enqueue({ toolCall: weather });
    const stream = client.messages.stream({
      model: 'gemini-2.5-flash',
      max_tokens: 100,
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const toolUse = final.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock;
    expect(toolUse).toMatchObject({ name: 'get_weather', input: weather.arguments });

    await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 100,
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: final.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny' }] },
      ],
    });
    const contents = (harness.upstream.requests[2]!.body as { contents: Json[] }).contents;
    // The signature Gemini attached to its call went out to the Anthropic client and comes back to Gemini.
    expect((contents[1]!.parts as Json[]).find((part) => part.functionCall)).toMatchObject({
      functionCall: { id: toolUse.id, name: 'get_weather', args: weather.arguments },
      thoughtSignature: 'mock-thought-signature',
    });
    expect(contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { id: toolUse.id, name: 'get_weather', response: { result: 'sunny' } } }] });
  });
});
