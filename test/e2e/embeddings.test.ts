import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockEmbeddingVector } from '../../src/mock/mock-embedding-vector.js';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * `/v1/embeddings` and Gemini's `:embedContent` / `:batchEmbedContents` through every provider that has
 * embeddings, with the official SDKs against the fake upstream: pass-through for each OpenAI-shaped provider
 * and Gemini, translation both ways, float and base64.
 */

let harness: TestGateway;
let client: OpenAI;
let gemini: GoogleGenAI;

beforeAll(async () => {
  harness = await startTestGateway();
  client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  gemini = new GoogleGenAI({ apiKey: harness.token, httpOptions: { baseUrl: harness.url } });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

type Json = Record<string, unknown>;
const lastRow = async () => (await harness.usageRows()).at(-1)!;
const float32 = (values: number[]) => values.map((value) => Math.fround(value));

describe('OpenAI SDK → OpenAI-shaped providers: pass-through', () => {
  it('OpenAI, float: the vectors, the usage and a priced usage row', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['first text', 'second text'], encoding_format: 'float' });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1/embeddings');
    expect(received.headers.authorization).toBe(`Bearer ${upstreamKeys.openai}`);
    expect(JSON.stringify(received)).not.toContain(harness.token);
    expect(received.body).toEqual({ model: 'text-embedding-3-small', input: ['first text', 'second text'], encoding_format: 'float' });
    expect(response.data.map((item) => item.embedding)).toEqual(received.sentVectors);
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.usage).toEqual({ prompt_tokens: received.sentUsage!.inputTokens, total_tokens: received.sentUsage!.inputTokens });

    const row = await lastRow();
    expect(row).toMatchObject({
      operation: 'embeddings',
      inboundDialect: 'openai-chat',
      provider: 'openai',
      requestedModel: 'text-embedding-3-small',
      upstreamModel: 'text-embedding-3-small',
      stream: false,
      outcome: 'ok',
      inputTokens: received.sentUsage!.inputTokens,
      inputTokensEstimated: false,
      outputTokens: 0,
    });
    // text-embedding-3-small costs $0.02 per million input tokens in the catalogue.
    expect(row.costUsd).toBeCloseTo((received.sentUsage!.inputTokens * 0.02) / 1e6, 15);
    expect(row.priceSource).toMatch(/^genai-prices@/);
  });

  it('OpenAI, the SDK default (base64): the bytes pass through and the SDK decodes them', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding-3-large', input: 'decode me', dimensions: 8 });
    const received = harness.upstream.requests[0]!;
    expect((received.body as Json).encoding_format).toBe('base64');
    expect((received.body as Json).dimensions).toBe(8);
    expect(response.data[0]!.embedding).toHaveLength(8);
    expect(response.data[0]!.embedding).toEqual(received.sentVectors![0]);
  });

  it('OpenAI, base64 asked for explicitly: the caller gets the base64 string', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'raw bytes', encoding_format: 'base64' });
    const text = response.data[0]!.embedding as unknown as string;
    expect(typeof text).toBe('string');
    const bytes = Buffer.from(text, 'base64');
    const values = Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
    expect(values).toEqual(harness.upstream.requests[0]!.sentVectors![0]);
  });

  it('Mistral: its own name for dimensions, and its key', async () => {
    const response = await client.embeddings.create({ model: 'mistral-embed', input: 'bonjour', dimensions: 4, encoding_format: 'float' });
    const received = harness.upstream.requests[0]!;
    expect(received.headers.authorization).toBe(`Bearer ${upstreamKeys.mistral}`);
    expect(received.body).toMatchObject({ model: 'mistral-embed', output_dimension: 4 });
    expect((received.body as Json).dimensions).toBeUndefined();
    expect(response.data[0]!.embedding).toHaveLength(4);
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', provider: 'mistral', inputTokens: received.sentUsage!.inputTokens });
  });

  it('an OpenAI-compatible server (vLLM), token-id input, pinned under /vllm', async () => {
    const pinned = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/vllm/v1`, maxRetries: 0 });
    const response = await pinned.embeddings.create({ model: 'nomic-embed-text', input: [[1, 2, 3, 4, 5]], encoding_format: 'float' });
    const received = harness.upstream.requests[0]!;
    expect(received.headers.authorization).toBe(`Bearer ${upstreamKeys.vllm}`);
    expect(received.body).toMatchObject({ model: 'nomic-embed-text', input: [[1, 2, 3, 4, 5]] });
    expect(response.data[0]!.embedding).toEqual(received.sentVectors![0]);
    expect(await lastRow()).toMatchObject({ provider: 'vllm', inputTokens: 5, costUsd: null });
  });

  it('the provider-pinned /openai/v1/embeddings', async () => {
    const pinned = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/openai/v1`, maxRetries: 0 });
    await pinned.embeddings.create({ model: 'text-embedding-3-small', input: 'pinned' });
    expect(harness.upstream.requests[0]!.path).toBe('/v1/embeddings');
    expect((await lastRow()).provider).toBe('openai');
  });
});

describe('Gemini SDK → Gemini: pass-through', () => {
  it('embedContent (sent by the SDK as batchEmbedContents) with outputDimensionality', async () => {
    const response = await gemini.models.embedContent({
      model: 'gemini-embedding-001',
      contents: ['What is your name?', 'What is your favourite colour?'],
      config: { outputDimensionality: 6, taskType: 'RETRIEVAL_QUERY' },
    });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(received.headers['x-goog-api-key']).toBe(upstreamKeys.gemini);
    expect(JSON.stringify(received)).not.toContain(harness.token);
    expect(response.embeddings?.map((embedding) => embedding.values)).toEqual(received.sentVectors);
    expect(response.embeddings?.[0]?.values).toHaveLength(6);
    // Gemini reports no usage: the row estimates the input from the texts.
    expect(await lastRow()).toMatchObject({
      operation: 'embeddings',
      inboundDialect: 'gemini',
      provider: 'gemini',
      requestedModel: 'gemini-embedding-001',
      inputTokensEstimated: true,
      outputTokens: 0,
    });
    expect((await lastRow()).inputTokens).toBeGreaterThan(0);
  });

  it('the raw :embedContent method, pinned under /gemini', async () => {
    const single = await fetch(`${harness.url}/gemini/v1beta/models/text-embedding-004:embedContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': harness.token, 'content-type': 'application/json' },
      body: JSON.stringify({ content: { parts: [{ text: 'one text' }] }, outputDimensionality: 3 }),
    });
    expect(single.status).toBe(200);
    const body = (await single.json()) as { embedding: { values: number[] } };
    expect(harness.upstream.requests[0]!.path).toBe('/v1beta/models/text-embedding-004:embedContent');
    expect(body.embedding.values).toEqual(harness.upstream.requests[0]!.sentVectors![0]);
    expect((await lastRow()).provider).toBe('gemini');
  });
});

describe('translation through the core model', () => {
  it('OpenAI SDK → Gemini target: one input goes to :embedContent, base64 is written by Sluice', async () => {
    const response = await client.embeddings.create({ model: 'gemini-embedding-001', input: 'translate me', dimensions: 5 });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1beta/models/gemini-embedding-001:embedContent');
    expect(received.body).toEqual({ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'translate me' }] }, outputDimensionality: 5 });
    // The SDK asked for base64; Gemini only sends numbers, so Sluice encoded float32 bytes and the SDK decoded them.
    expect(response.data[0]!.embedding).toEqual(float32(received.sentVectors![0]!));
    expect(response.model).toBe('gemini-embedding-001');
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', inboundDialect: 'openai-chat', provider: 'gemini', inputTokensEstimated: true });
  });

  it('OpenAI SDK → Gemini target, several inputs as floats: :batchEmbedContents, vectors in input order', async () => {
    const response = await client.embeddings.create({ model: 'gemini-embedding-001', input: ['a', 'b', 'c'], encoding_format: 'float' });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect((received.body as { requests: Json[] }).requests.map((request) => request.model)).toEqual(Array(3).fill('models/gemini-embedding-001'));
    expect(response.data.map((item) => item.embedding)).toEqual(received.sentVectors);
    expect(response.data.map((item) => item.embedding)).toEqual(['a', 'b', 'c'].map((text) => mockEmbeddingVector(text, 16)));
    expect(response.usage.prompt_tokens).toBe((await lastRow()).inputTokens);
  });

  it('OpenAI SDK → Gemini target with token ids: 400 before any upstream call', async () => {
    await expect(client.embeddings.create({ model: 'gemini-embedding-001', input: [[1, 2, 3]] })).rejects.toMatchObject({ status: 400 });
    expect(harness.upstream.requests).toHaveLength(0);
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', errorCode: 'unsupported_translation', statusCode: 400 });
  });

  it('Gemini SDK → OpenAI target: dimensions and usage carried over, answered in the Gemini shape', async () => {
    const response = await gemini.models.embedContent({ model: 'text-embedding-3-small', contents: ['hello', 'world'], config: { outputDimensionality: 7 } });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1/embeddings');
    expect(received.body).toEqual({ model: 'text-embedding-3-small', input: ['hello', 'world'], encoding_format: 'float', dimensions: 7 });
    expect(response.embeddings?.map((embedding) => embedding.values)).toEqual(received.sentVectors);
    expect(await lastRow()).toMatchObject({ inboundDialect: 'gemini', provider: 'openai', inputTokens: received.sentUsage!.inputTokens, inputTokensEstimated: false });
  });
});

describe('refusals before any upstream call', () => {
  it('a chat-only model: 400 in the OpenAI shape', async () => {
    const refusal = client.embeddings.create({ model: 'gpt-4o-mini', input: 'not an embeddings model' });
    await expect(refusal).rejects.toMatchObject({ status: 400, error: { message: expect.stringContaining('makes no embeddings') } });
    expect(harness.upstream.requests).toHaveLength(0);
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', statusCode: 400, errorCode: 'invalid_request', inputTokens: 0 });
  });

  it('an Anthropic model: 400 naming the provider, in the Gemini shape for a Gemini caller', async () => {
    const response = await fetch(`${harness.url}/v1beta/models/claude-haiku-4-5:embedContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': harness.token, 'content-type': 'application/json' },
      body: JSON.stringify({ content: { parts: [{ text: 'hi' }] } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { status: string; message: string } };
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toContain("provider 'anthropic' has no embeddings API");
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('a model listed as chat on an OpenAI-compatible server', async () => {
    await expect(client.embeddings.create({ model: 'llama-3.1-8b', input: 'x' })).rejects.toMatchObject({ status: 400 });
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('an empty or missing input names the field', async () => {
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: [] })).rejects.toMatchObject({ status: 400, error: { param: 'input' } });
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', encoding_format: 'int8' as 'float' })).rejects.toMatchObject({
      status: 400,
      error: { param: 'encoding_format' },
    });
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('a body refused before the handler still leaves an embeddings row, on both surfaces', async () => {
    const headers = { authorization: `Bearer ${harness.token}`, 'x-goog-api-key': harness.token, 'content-type': 'application/json' };
    expect((await fetch(`${harness.url}/v1/embeddings`, { method: 'POST', headers, body: '{not json' })).status).toBe(400);
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', inboundDialect: 'openai-chat', errorCode: 'invalid_json' });
    expect((await fetch(`${harness.url}/v1beta/models/gemini-embedding-001:batchEmbedContents`, { method: 'POST', headers, body: '{not json' })).status).toBe(400);
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', inboundDialect: 'gemini', errorCode: 'invalid_json' });
    expect((await fetch(`${harness.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers, body: '{not json' })).status).toBe(400);
    expect(await lastRow()).toMatchObject({ operation: 'chat', inboundDialect: 'gemini' });
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('an unknown Gemini method is still a 404', async () => {
    const response = await fetch(`${harness.url}/v1beta/models/gemini-embedding-001:countTokens`, {
      method: 'POST',
      headers: { 'x-goog-api-key': harness.token, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(404);
  });
});
