import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/dialects/dialect.js';
import type { DialectName } from '../../src/domain/dialect-name.js';
import { dialects } from '../../src/dialects/dialects.js';
import type { IrRequest, IrResponse, IrStreamEvent } from '../../src/ir/ir-types.js';
import { parseConfig } from '../../src/config/load-config.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import { createSseDecoder } from '../../src/upstream/sse-decoder.js';

/**
 * Conformance of every dialect's codecs against the core model. Every pair of shapes A → B is
 * decodeA ∘ encodeB, so checking each encoder against golden bodies and each decoder by round trip
 * (encode then decode gives back what we model) covers all pairs; streams are also checked split at every
 * byte offset.
 */

const registry = buildProviderRegistry({ config: parseConfig({}, {}), env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o', GEMINI_API_KEY: 'g' }, providersWithStoredKeys: new Set() });
const target = (provider: string, upstreamModel: string) => ({ provider: registry.get(provider)!, upstreamModel });

const canonical: IrRequest = {
  model: 'any',
  system: [{ type: 'text', text: 'You are terse.' }],
  messages: [
    { role: 'user', parts: [{ type: 'text', text: 'Weather in Paris? Ünïcode ✓' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } }] },
    { role: 'assistant', parts: [{ type: 'text', text: 'Checking.' }, { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    { role: 'user', parts: [{ type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: '{"celsius":18}' }], isError: false }] },
  ],
  tools: [{ name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
  toolChoice: { type: 'auto' },
  maxTokens: 256,
  temperature: 0.5,
  topP: 0.9,
  stream: true,
  streamUsage: true,
  warnings: [],
};

describe('golden request bodies from the core model', () => {
  it('OpenAI Chat Completions', () => {
    expect(dialects['openai-chat'].encodeRequest(canonical, target('openai', 'gpt-4.1'))).toEqual({
      warnings: [],
      body: {
        model: 'gpt-4.1',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris? Ünïcode ✓' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
          { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":18}' },
        ],
        tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: canonical.tools[0]!.parameters } }],
        tool_choice: 'auto',
        max_completion_tokens: 256,
        temperature: 0.5,
        top_p: 0.9,
        stream: true,
        stream_options: { include_usage: true },
      },
    });
  });

  it('Anthropic Messages', () => {
    expect(dialects['anthropic-messages'].encodeRequest(canonical, target('anthropic', 'claude-haiku-4-5'))).toEqual({
      warnings: [],
      body: {
        model: 'claude-haiku-4-5',
        max_tokens: 256,
        system: [{ type: 'text', text: 'You are terse.' }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather in Paris? Ünïcode ✓' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: '{"celsius":18}' }] }] },
        ],
        tools: [{ name: 'get_weather', description: 'Current weather', input_schema: canonical.tools[0]!.parameters }],
        tool_choice: { type: 'auto' },
        temperature: 0.5,
        top_p: 0.9,
        stream: true,
      },
    });
  });

  it('OpenAI Responses (stateless)', () => {
    expect(dialects['openai-responses'].encodeRequest(canonical, target('openai', 'gpt-5'))).toEqual({
      warnings: [],
      body: {
        model: 'gpt-5',
        store: false,
        instructions: 'You are terse.',
        input: [
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris? Ünïcode ✓' }, { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
          { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call_output', call_id: 'call_1', output: '{"celsius":18}' },
        ],
        tools: [{ type: 'function', name: 'get_weather', description: 'Current weather', parameters: canonical.tools[0]!.parameters }],
        tool_choice: 'auto',
        max_output_tokens: 256,
        temperature: 0.5,
        top_p: 0.9,
        stream: true,
      },
    });
  });

  it('Gemini generateContent', () => {
    expect(dialects.gemini.encodeRequest(canonical, target('gemini', 'gemini-2.5-flash'))).toEqual({
      warnings: [],
      body: {
        contents: [
          { role: 'user', parts: [{ text: 'Weather in Paris? Ünïcode ✓' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] },
          { role: 'model', parts: [{ text: 'Checking.' }, { functionCall: { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } } }] },
          { role: 'user', parts: [{ functionResponse: { id: 'call_1', name: 'get_weather', response: { celsius: 18 } } }] },
        ],
        systemInstruction: { parts: [{ text: 'You are terse.' }] },
        tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather', parametersJsonSchema: canonical.tools[0]!.parameters }] }],
        toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
        generationConfig: { maxOutputTokens: 256, temperature: 0.5, topP: 0.9 },
      },
    });
  });
});

const allDialects = Object.keys(dialects) as DialectName[];
const providerFor: Record<DialectName, [string, string]> = {
  'openai-chat': ['openai', 'gpt-4.1'],
  'openai-responses': ['openai', 'gpt-5'],
  'anthropic-messages': ['anthropic', 'claude-haiku-4-5'],
  gemini: ['gemini', 'gemini-2.5-flash'],
};

describe.each(allDialects)('%s: shape → core → same shape loses nothing modelled', (name) => {
  const dialect: Dialect = dialects[name];

  it('request', () => {
    const encoded = dialect.encodeRequest(canonical, target(...providerFor[name])).body;
    const decoded = dialect.decodeRequest(encoded);
    expect(decoded.system).toEqual(canonical.system);
    expect(decoded.messages).toEqual(canonical.messages);
    expect(decoded.tools).toEqual(canonical.tools);
    expect(decoded.toolChoice).toEqual(canonical.toolChoice);
    expect([decoded.maxTokens, decoded.temperature, decoded.topP]).toEqual([256, 0.5, 0.9]);
  });

  it('response', () => {
    const response: IrResponse = {
      id: 'abc123',
      model: 'model-x',
      content: [
        { type: 'text', text: 'Let me check ✓' },
        { type: 'tool-call', id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      ],
      stopReason: 'tool_calls',
      usage: { inputTokens: 120, outputTokens: 30, cacheReadTokens: 20, cacheWriteTokens: 0, reasoningTokens: 0 },
    };
    const decoded = dialect.decodeResponse(JSON.parse(JSON.stringify(dialect.encodeResponse(response, canonical))));
    expect(decoded.content).toEqual(response.content);
    expect(decoded.stopReason).toBe('tool_calls');
    expect(decoded.usage).toEqual(response.usage);
  });

  const events: IrStreamEvent[] = [
    { type: 'start', id: 'stream1', model: 'model-x' },
    { type: 'text-delta', text: 'Héllo ' },
    { type: 'text-delta', text: '世界 🎉' },
    { type: 'tool-call-start', index: 0, id: 'call_7', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '"Kyoto"}' },
    { type: 'finish', stopReason: 'tool_calls', usage: { inputTokens: 50, outputTokens: 12, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } },
  ];

  /** What a client ends up with, whatever the event granularity: the text, the calls, the ending. */
  function summarize(stream: IrStreamEvent[]) {
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let text = '';
    let finish: { stopReason: string; usage: unknown } | undefined;
    for (const event of stream) {
      if (event.type === 'text-delta') text += event.text;
      if (event.type === 'tool-call-start') calls.set(event.index, { id: event.id, name: event.name, arguments: '' });
      if (event.type === 'tool-call-delta') calls.get(event.index)!.arguments += event.argumentsDelta;
      if (event.type === 'finish') finish = { stopReason: event.stopReason, usage: event.usage };
    }
    return { text, calls: [...calls.values()], finish };
  }

  function decodeStream(bytes: Uint8Array[]): IrStreamEvent[] {
    const decode = dialect.createStreamDecoder();
    const decoded: IrStreamEvent[] = [];
    const sse = createSseDecoder((event) => decoded.push(...decode(event)));
    for (const chunk of bytes) sse.push(chunk);
    sse.end();
    return decoded;
  }

  it('stream, split at every byte offset', () => {
    const encode = dialect.createStreamEncoder({ model: 'model-x', includeUsage: true, request: canonical });
    const bytes = new TextEncoder().encode(events.map(encode).join(''));
    const whole = decodeStream([bytes]);
    expect(summarize(whole)).toEqual(summarize(events));
    for (let offset = 1; offset < bytes.length; offset++) {
      expect(decodeStream([bytes.subarray(0, offset), bytes.subarray(offset)]), `offset ${offset}`).toEqual(whole);
    }
  });
});

describe('every pair of shapes: provider answer in B → core → caller shape A → core', () => {
  const pairs = allDialects.flatMap((caller) => allDialects.filter((upstream) => upstream !== caller).map((upstream) => [caller, upstream] as const));
  const answer: IrResponse = {
    id: 'pair1',
    model: 'model-y',
    content: [
      { type: 'text', text: 'Naïve answer ✓' },
      { type: 'tool-call', id: 'call_3', name: 'lookup', arguments: '{"q":"x"}' },
    ],
    stopReason: 'tool_calls',
    usage: { inputTokens: 77, outputTokens: 21, cacheReadTokens: 7, cacheWriteTokens: 0, reasoningTokens: 0 },
  };
  const streamed: IrStreamEvent[] = [
    { type: 'start', id: 'pair2', model: 'model-y' },
    { type: 'text-delta', text: 'Naïve ' },
    { type: 'text-delta', text: 'answer ✓' },
    { type: 'tool-call-start', index: 0, id: 'call_4', name: 'lookup' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"q":"x"}' },
    { type: 'finish', stopReason: 'tool_calls', usage: answer.usage },
  ];

  function throughStream(encoderDialect: Dialect, decoderDialect: Dialect, events: IrStreamEvent[]): IrStreamEvent[] {
    const encode = encoderDialect.createStreamEncoder({ model: 'model-y', includeUsage: true, request: canonical });
    const decode = decoderDialect.createStreamDecoder();
    const out: IrStreamEvent[] = [];
    const sse = createSseDecoder((event) => out.push(...decode(event)));
    sse.push(new TextEncoder().encode(events.map(encode).join('')));
    sse.end();
    return out;
  }

  it.each(pairs)('%s caller, %s provider: whole answers', (caller, upstream) => {
    const fromProvider = dialects[upstream].decodeResponse(JSON.parse(JSON.stringify(dialects[upstream].encodeResponse(answer, canonical))));
    const toCaller = dialects[caller].decodeResponse(JSON.parse(JSON.stringify(dialects[caller].encodeResponse(fromProvider, canonical))));
    expect(toCaller.content).toEqual(answer.content);
    expect(toCaller.stopReason).toBe(answer.stopReason);
    expect(toCaller.usage).toEqual(answer.usage);
  });

  it.each(pairs)('%s caller, %s provider: streams', (caller, upstream) => {
    const fromProvider = throughStream(dialects[upstream], dialects[upstream], streamed);
    const toCaller = throughStream(dialects[caller], dialects[caller], fromProvider);
    const text = toCaller.filter((event) => event.type === 'text-delta').map((event) => event.text).join('');
    const argumentsText = toCaller.filter((event) => event.type === 'tool-call-delta').map((event) => event.argumentsDelta).join('');
    const call = toCaller.find((event) => event.type === 'tool-call-start');
    const finish = toCaller.find((event) => event.type === 'finish');
    expect(text).toBe('Naïve answer ✓');
    expect(call).toMatchObject({ id: 'call_4', name: 'lookup' });
    expect(JSON.parse(argumentsText)).toEqual({ q: 'x' });
    expect(finish).toMatchObject({ stopReason: 'tool_calls', usage: answer.usage });
  });
});
