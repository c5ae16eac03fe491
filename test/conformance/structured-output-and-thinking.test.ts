import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { planThinking } from '../../src/dialects/anthropic-messages/plan-thinking.js';
import { dialects } from '../../src/dialects/dialects.js';
import { upstreamErrorMessage } from '../../src/dialects/upstream-error-message.js';
import type { IrRequest } from '../../src/ir/ir-types.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';

/**
 * Golden bodies per target shape for structured output and reasoning, and decoders reading the request
 * fields as each provider documents them (Anthropic `output_config.format`, Gemini `responseSchema`).
 */

const registry = buildProviderRegistry({ config: parseConfig({}, {}), env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o', GEMINI_API_KEY: 'g' }, providersWithStoredKeys: new Set() });
const target = (provider: string, upstreamModel: string) => ({ provider: registry.get(provider)!, upstreamModel });

const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
const request = (extra: Partial<IrRequest>): IrRequest => ({
  model: 'any',
  system: [],
  messages: [{ role: 'user', parts: [{ type: 'text', text: 'Answer in JSON.' }] }],
  tools: [],
  stream: false,
  streamUsage: false,
  warnings: [],
  ...extra,
});
const structured = request({ maxTokens: 3000, responseFormat: { type: 'json_schema', name: 'reply', schema, strict: true }, reasoning: { effort: 'medium' } });

describe('golden bodies: json_schema + reasoning_effort medium + max_tokens 3000', () => {
  it('Anthropic Messages: output_config.format and thinking inside max_tokens', () => {
    expect(dialects['anthropic-messages'].encodeRequest(structured, target('anthropic', 'claude-haiku-4-5'))).toEqual({
      warnings: [],
      body: {
        model: 'claude-haiku-4-5',
        max_tokens: 3000,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Answer in JSON.' }] }],
        output_config: { format: { type: 'json_schema', schema } },
        thinking: { type: 'enabled', budget_tokens: 1500 },
      },
    });
  });

  it('Gemini generateContent: JSON mime type and responseJsonSchema', () => {
    expect(dialects.gemini.encodeRequest(structured, target('gemini', 'gemini-2.5-flash'))).toEqual({
      warnings: [],
      body: {
        contents: [{ role: 'user', parts: [{ text: 'Answer in JSON.' }] }],
        generationConfig: {
          maxOutputTokens: 3000,
          thinkingConfig: { thinkingBudget: 8192, includeThoughts: true },
          responseMimeType: 'application/json',
          responseJsonSchema: schema,
        },
      },
    });
  });

  it('OpenAI Chat Completions: response_format json_schema, strict', () => {
    const encoded = dialects['openai-chat'].encodeRequest(structured, target('openai', 'gpt-4.1'));
    expect(encoded.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'reply', schema, strict: true } });
    expect(encoded.body.max_completion_tokens).toBe(3000);
  });

  it('OpenAI Responses: text.format json_schema, strict', () => {
    const encoded = dialects['openai-responses'].encodeRequest(structured, target('openai', 'gpt-5'));
    expect(encoded.body.text).toEqual({ format: { type: 'json_schema', name: 'reply', schema, strict: true } });
    expect(encoded.body.reasoning).toEqual({ effort: 'medium' });
  });
});

describe('decoders read each provider\'s documented fields', () => {
  it('Anthropic output_config.format (GA) and output_format (beta)', () => {
    const base = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Extract.' }] };
    const expected = { type: 'json_schema', name: 'response', schema, strict: true };
    expect(dialects['anthropic-messages'].decodeRequest({ ...base, output_config: { format: { type: 'json_schema', schema } } }).responseFormat).toEqual(expected);
    expect(dialects['anthropic-messages'].decodeRequest({ ...base, output_format: { type: 'json_schema', schema } }).responseFormat).toEqual(expected);
  });

  it('Gemini responseSchema (OpenAPI subset, snake_case too) becomes JSON Schema', () => {
    const decoded = dialects.gemini.decodeRequest({
      contents: [{ role: 'user', parts: [{ text: 'List cookies.' }] }],
      generation_config: {
        response_mime_type: 'application/json',
        response_schema: { type: 'ARRAY', items: { type: 'OBJECT', properties: { recipe_name: { type: 'STRING' }, rating: { type: 'INTEGER', nullable: true } }, propertyOrdering: ['recipe_name'] } },
      },
    });
    expect(decoded.responseFormat).toEqual({
      type: 'json_schema',
      name: 'response',
      strict: true,
      schema: { type: 'array', items: { type: 'object', properties: { recipe_name: { type: 'string' }, rating: { type: ['integer', 'null'] } } } },
    });
  });

  it('Gemini JSON mime type alone is JSON mode', () => {
    const decoded = dialects.gemini.decodeRequest({ contents: [], generationConfig: { responseMimeType: 'application/json' } });
    expect(decoded.responseFormat).toEqual({ type: 'json_object' });
  });

  it('OpenAI Chat: a call\'s Gemini thought signature in extra_content is reasoning state before the call', () => {
    const decoded = dialects['openai-chat'].decodeRequest({
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' }, extra_content: { google: { thought_signature: 'sig' } } }] },
      ],
    });
    expect(decoded.messages[1]!.parts).toEqual([
      { type: 'reasoning', text: '', state: { family: 'gemini', value: 'sig' } },
      { type: 'tool-call', id: 'c1', name: 'f', arguments: '{}' },
    ]);
  });
});

describe('closing object schemas for Claude', () => {
  it('closes nested objects, keeps explicit choices, and keeps a property named __proto__ a property', () => {
    const caller = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"object"},"open":{"type":"object","additionalProperties":true}},"$defs":{"x":{"properties":{"y":{"type":"string"}}}}}') as Record<string, unknown>;
    const encoded = dialects['anthropic-messages'].encodeRequest(request({ responseFormat: { type: 'json_schema', name: 'r', schema: caller } }), target('anthropic', 'claude-haiku-4-5'));
    const sent = (encoded.body.output_config as { format: { schema: Record<string, unknown> } }).format.schema;
    expect(JSON.stringify(sent)).toBe(
      '{"type":"object","properties":{"__proto__":{"type":"object","additionalProperties":false},"open":{"type":"object","additionalProperties":true}},' +
        '"$defs":{"x":{"properties":{"y":{"type":"string"}},"additionalProperties":false}},"additionalProperties":false}',
    );
    // The caller's own schema object is left as it came (the cache key and estimates read it).
    expect(caller.additionalProperties).toBeUndefined();
  });
});

describe('thinking plans for Claude', () => {
  it.each([
    ['effort, caller max_tokens', { maxTokens: 3000, reasoning: { effort: 'high' as const } }, { maxTokens: 3000, budgetTokens: 1500 }],
    ['effort, small max_tokens', { maxTokens: 2047, reasoning: { effort: 'low' as const } }, { maxTokens: 2047, budgetTokens: undefined }],
    ['effort, no max_tokens', { reasoning: { effort: 'medium' as const } }, { maxTokens: 8192 + 4096, budgetTokens: 8192 }],
    ['explicit budget below max_tokens', { maxTokens: 5000, reasoning: { budgetTokens: 4000 } }, { maxTokens: 5000, budgetTokens: 4000 }],
    ['explicit budget raised to the minimum', { maxTokens: 5000, reasoning: { budgetTokens: 512 } }, { maxTokens: 5000, budgetTokens: 1024 }],
    ['explicit budget over max_tokens', { maxTokens: 5000, reasoning: { budgetTokens: 9000 } }, { maxTokens: 5000, budgetTokens: 2500 }],
    ['no reasoning, no max_tokens', {}, { maxTokens: 4096, budgetTokens: undefined }],
  ])('%s', (_name, fields, expected) => {
    const plan = planThinking({ tools: [], ...fields });
    expect({ maxTokens: plan.maxTokens, budgetTokens: plan.budgetTokens }).toEqual(expected);
    expect(plan.budgetTokens === undefined || (plan.budgetTokens >= 1024 && plan.budgetTokens < plan.maxTokens)).toBe(true);
    if ('maxTokens' in fields) expect(plan.maxTokens).toBe(fields.maxTokens);
  });

  it('gives way to a forced tool call, and the reservation follows what is sent', () => {
    const forced = request({ reasoning: { effort: 'high' }, tools: [{ name: 'f', parameters: { type: 'object' } }], toolChoice: { type: 'required' } });
    const encoded = dialects['anthropic-messages'].encodeRequest(forced, target('anthropic', 'claude-haiku-4-5'));
    expect(encoded.body.thinking).toBeUndefined();
    expect(encoded.warnings).toContain('thinking dropped: Claude cannot think when tool_choice forces a tool call');
    expect(dialects['anthropic-messages'].sentMaxOutputTokens(forced)).toBe(encoded.body.max_tokens);
    expect(dialects['anthropic-messages'].sentMaxOutputTokens(request({ reasoning: { effort: 'high' } }))).toBe(24576 + 4096);
  });
});

describe('upstream error bodies of every provider shape', () => {
  it.each([
    ['OpenAI', { error: { message: 'm', type: 'invalid_request_error', param: null, code: null } }],
    ['Anthropic', { type: 'error', error: { type: 'overloaded_error', message: 'm' }, request_id: 'req_1' }],
    ['Gemini', { error: { code: 400, message: 'm', status: 'INVALID_ARGUMENT', details: [] } }],
    ['Gemini OpenAI-compatible', [{ error: { code: 400, message: 'm', status: 'INVALID_ARGUMENT' } }]],
    ['Ollama', { error: 'm' }],
    ['vLLM / Mistral', { object: 'error', message: 'm', type: 'BadRequestError', code: 400 }],
    ['FastAPI', { detail: [{ loc: ['body', 'model'], msg: 'm', type: 'missing' }] }],
  ])('%s', (_provider, body) => {
    expect(upstreamErrorMessage(body)).toBe('m');
  });

  it('each shape knows only its own envelope', () => {
    const openAi = { error: { message: 'm', type: 'invalid_request_error', param: null, code: null } };
    const anthropic = { type: 'error', error: { type: 'api_error', message: 'm' } };
    const gemini = { error: { code: 500, message: 'm', status: 'INTERNAL' } };
    const seen = Object.fromEntries(
      Object.values(dialects).map((dialect) => [dialect.name, [openAi, anthropic, gemini, [gemini]].map((body) => dialect.isErrorBody(body))]),
    );
    expect(seen).toEqual({
      'openai-chat': [true, false, false, false],
      'openai-responses': [true, false, false, false],
      'anthropic-messages': [false, true, false, false],
      gemini: [false, false, true, false],
    });
  });
});

describe('warnings built from caller text stay header-safe', () => {
  it('escapes a property name outside ASCII in the strict-mode warning', () => {
    const schema = { type: 'object', properties: { 'name☺\u2028': { type: 'string' } }, additionalProperties: false };
    const encoded = dialects['openai-chat'].encodeRequest(request({ responseFormat: { type: 'json_schema', name: 'r', schema, strict: true } }), target('openai', 'gpt-4.1'));
    expect(encoded.warnings).toEqual(["response_format strict dropped: OpenAI can only follow this schema loosely ('/name\\u263a\\u2028' is not required)"]);
    expect(encoded.warnings.every((warning) => /^[\x20-\x7e]*$/.test(warning))).toBe(true);
  });
});
