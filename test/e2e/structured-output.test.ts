import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, Type } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** A schema-constrained call stays schema-constrained whichever shape asks and whichever provider answers. */

let harness: TestGateway;
let openAi: OpenAI;
let anthropic: Anthropic;
let gemini: GoogleGenAI;

beforeAll(async () => {
  harness = await startTestGateway();
  openAi = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
  gemini = new GoogleGenAI({ apiKey: harness.token, httpOptions: { baseUrl: harness.url } });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

type Json = Record<string, unknown>;
const sentBody = () => harness.upstream.requests[0]!.body as Json;

/** OpenAI strict-mode schema: closed, everything required. */
const eventSchema = {
  type: 'object',
  properties: { title: { type: 'string' }, attendees: { type: 'array', items: { type: 'string' } }, day: { type: 'string', enum: ['friday', 'saturday'] } },
  required: ['title', 'attendees', 'day'],
  additionalProperties: false,
};
/** What Claude and Gemini callers often send: open objects, optional properties. */
const looseSchema = { type: 'object', properties: { title: { type: 'string' }, place: { type: 'object', properties: { city: { type: 'string' } } } }, required: ['title'] };

const jsonSchemaFormat = { type: 'json_schema' as const, json_schema: { name: 'event', schema: eventSchema, strict: true } };
const ask = [{ role: 'user' as const, content: 'Alice and Bob meet on Friday.' }];

describe('OpenAI Chat response_format', () => {
  it('json_schema → Claude\'s structured outputs, and the answer is JSON under the schema', async () => {
    const response = await openAi.chat.completions.create({ model: 'claude-haiku-4-5', max_tokens: 200, messages: ask, response_format: jsonSchemaFormat }).withResponse();
    expect(sentBody().output_config).toEqual({ format: { type: 'json_schema', schema: eventSchema } });
    expect(response.response.headers.get('x-sluice-warning')).toBeNull();
    expect(JSON.parse(response.data.choices[0]!.message.content!)).toEqual({ title: 'mock', attendees: ['mock'], day: 'friday' });
  });

  it('closes open objects for Claude, which requires additionalProperties: false', async () => {
    await openAi.chat.completions.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: ask,
      response_format: { type: 'json_schema', json_schema: { name: 'loose', schema: looseSchema } },
    });
    expect(sentBody().output_config).toEqual({
      format: {
        type: 'json_schema',
        schema: { ...looseSchema, additionalProperties: false, properties: { title: { type: 'string' }, place: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false } } },
      },
    });
  });

  it('json_object → Claude: dropped with a warning that says why (Claude has no schema-free JSON mode)', async () => {
    const response = await openAi.chat.completions.create({ model: 'claude-haiku-4-5', max_tokens: 200, messages: ask, response_format: { type: 'json_object' } }).withResponse();
    expect(sentBody().output_config).toBeUndefined();
    expect(response.response.headers.get('x-sluice-warning')).toContain('Claude has no schema-free JSON mode');
  });

  it('json_schema → Gemini\'s responseJsonSchema, streamed too', async () => {
    const stream = await openAi.chat.completions.create({ model: 'gemini-2.5-flash', messages: ask, response_format: jsonSchemaFormat, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(harness.upstream.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(sentBody().generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: eventSchema });
    expect(JSON.parse(text)).toEqual({ title: 'mock', attendees: ['mock'], day: 'friday' });
  });

  it('json_object → Gemini\'s JSON mime type', async () => {
    const completion = await openAi.chat.completions.create({ model: 'gemini-2.5-flash', messages: ask, response_format: { type: 'json_object' } });
    expect(sentBody().generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ reply: expect.stringContaining('Alice and Bob') });
  });
});

describe('OpenAI Responses text.format', () => {
  it('json_schema → Claude\'s structured outputs', async () => {
    const response = await openAi.responses.create({
      model: 'claude-haiku-4-5',
      max_output_tokens: 200,
      input: 'Alice and Bob meet on Friday.',
      text: { format: { type: 'json_schema', name: 'event', schema: eventSchema, strict: true } },
    });
    expect(sentBody().output_config).toEqual({ format: { type: 'json_schema', schema: eventSchema } });
    expect(JSON.parse(response.output_text)).toMatchObject({ day: 'friday' });
  });
});

describe('the other direction: Claude and Gemini callers, OpenAI provider', () => {
  it('Anthropic output_config.format → response_format json_schema, strict when OpenAI can enforce it', async () => {
    const message = await anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 200,
      messages: ask,
      output_config: { format: { type: 'json_schema', schema: eventSchema } },
    });
    expect(sentBody().response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema: eventSchema, strict: true } });
    const text = message.content.find((block) => block.type === 'text');
    expect(JSON.parse((text as Anthropic.TextBlock).text)).toMatchObject({ day: 'friday' });
  });

  it('a schema OpenAI\'s strict mode cannot enforce goes without strict, and the caller is told', async () => {
    const response = await anthropic.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 200, messages: ask, output_config: { format: { type: 'json_schema', schema: looseSchema } } })
      .withResponse();
    expect(sentBody().response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema: looseSchema } });
    expect(response.response.headers.get('x-sluice-warning')).toContain('response_format strict dropped');
  });

  it('Anthropic\'s beta output_format is read too', async () => {
    await anthropic.beta.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 200,
      messages: ask,
      betas: ['structured-outputs-2025-11-13'],
      output_format: { type: 'json_schema', schema: eventSchema },
    });
    expect((sentBody().response_format as Json).type).toBe('json_schema');
  });

  it('Gemini responseSchema (its OpenAPI subset) → JSON Schema in response_format', async () => {
    const response = await gemini.models.generateContent({
      model: 'gpt-4o-mini',
      contents: 'Alice and Bob meet on Friday.',
      config: {
        responseMimeType: 'application/json',
        responseSchema: {
          type: Type.OBJECT,
          properties: { title: { type: Type.STRING }, note: { type: Type.STRING, nullable: true } },
          required: ['title', 'note'],
          propertyOrdering: ['title', 'note'],
        },
      },
    });
    expect(sentBody().response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema: { type: 'object', properties: { title: { type: 'string' }, note: { type: ['string', 'null'] } }, required: ['title', 'note'] } },
    });
    expect(JSON.parse(response.text!)).toEqual({ title: 'mock', note: 'mock' });
  });

  it('Gemini responseJsonSchema → Claude\'s structured outputs', async () => {
    await gemini.models.generateContent({
      model: 'claude-haiku-4-5',
      contents: 'Alice and Bob meet on Friday.',
      config: { responseMimeType: 'application/json', responseJsonSchema: eventSchema, maxOutputTokens: 200 },
    });
    expect(sentBody().output_config).toEqual({ format: { type: 'json_schema', schema: eventSchema } });
  });
});
