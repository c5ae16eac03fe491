import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import { mockEmbeddingVector } from '../../src/mock/mock-embedding-vector.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** The fake upstream's embeddings in both wire formats, read by the official SDKs, and the built-in `mock` provider. */

let upstream: FakeUpstream;
let openAi: OpenAI;
let gemini: GoogleGenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  openAi = new OpenAI({ apiKey: 'test', baseURL: `${upstream.url}/v1`, maxRetries: 0 });
  gemini = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: upstream.url } });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const postJson = (path: string, headers: Record<string, string>, body: unknown) =>
  fetch(`${upstream.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('OpenAI wire (/v1/embeddings)', () => {
  it('deterministic unit vectors of the asked length, floats and base64 alike, with usage', async () => {
    const floats = await openAi.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 12, encoding_format: 'float' });
    expect(floats.data.map((item) => item.embedding)).toEqual([mockEmbeddingVector('alpha', 12), mockEmbeddingVector('beta', 12)]);
    expect(floats.data[0]!.embedding).not.toEqual(floats.data[1]!.embedding);
    expect(Math.hypot(...floats.data[0]!.embedding)).toBeCloseTo(1, 5);
    // 'alpha' is two tokens at four characters a token, 'beta' one.
    expect(floats.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    // The SDK's default: base64 on the wire, decoded by the SDK to the same float32 values.
    const decoded = await openAi.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 12 });
    expect((upstream.requests[1]!.body as { encoding_format: string }).encoding_format).toBe('base64');
    expect(decoded.data.map((item) => item.embedding)).toEqual(floats.data.map((item) => item.embedding));
    expect(floats.model).toBe('text-embedding-3-small');
  });

  it('errors and behaviors as for generation: a queued 429 with retry-after, a directive in the input', async () => {
    upstream.enqueue({ status: 429, retryAfter: 2 });
    const limited = await postJson('/v1/embeddings', { authorization: 'Bearer test' }, { model: 'm', input: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(((await limited.json()) as { error: { message: string } }).error.message).toBe('mock error 429');
    await expect(openAi.embeddings.create({ model: 'm', input: 'fail [[mock {"status":503}]]' })).rejects.toMatchObject({ status: 503 });
    expect((await postJson('/v1/embeddings', {}, { model: 'm', input: 'x' })).status).toBe(401);
    expect((await postJson('/v1/embeddings', { authorization: 'Bearer test' }, { model: 'm', input: [] })).status).toBe(400);
  });
});

describe('Gemini wire (:embedContent, :batchEmbedContents)', () => {
  it('answers the SDK’s batch call in order, honouring outputDimensionality, without usage', async () => {
    const response = await gemini.models.embedContent({ model: 'gemini-embedding-001', contents: ['one', 'two'], config: { outputDimensionality: 5 } });
    expect(upstream.requests[0]!.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(response.embeddings?.map((embedding) => embedding.values)).toEqual([mockEmbeddingVector('one', 5), mockEmbeddingVector('two', 5)]);
    expect(upstream.requests[0]!.sentUsage).toBeUndefined();
  });

  it('answers :embedContent with one embedding, and refuses a batch naming another model', async () => {
    const single = await postJson('/v1beta/models/gemini-embedding-001:embedContent', { 'x-goog-api-key': 'test' }, { content: { parts: [{ text: 'solo' }] } });
    expect(await single.json()).toEqual({ embedding: { values: mockEmbeddingVector('solo', 16) } });
    const mismatch = await postJson('/v1beta/models/gemini-embedding-001:batchEmbedContents', { 'x-goog-api-key': 'test' }, {
      requests: [{ model: 'models/other', content: { parts: [{ text: 'x' }] } }],
    });
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
  });
});

describe('the built-in mock provider', () => {
  let harness: TestGateway;
  beforeAll(async () => {
    harness = await startTestGateway({ mock: 'on' });
  });
  afterAll(() => harness.close());

  it('makes embeddings for a newcomer, from OpenAI and Gemini callers alike', async () => {
    const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const response = await client.embeddings.create({ model: 'mock-embed', input: 'try me' });
    expect(response.data[0]!.embedding).toEqual(mockEmbeddingVector('try me', 16));
    const viaGemini = new GoogleGenAI({ apiKey: harness.token, httpOptions: { baseUrl: harness.url } });
    const translated = await viaGemini.models.embedContent({ model: 'mock-embed', contents: 'try me' });
    expect(translated.embeddings?.[0]?.values).toEqual(mockEmbeddingVector('try me', 16));
    const rows = (await harness.usageRows()).slice(-2);
    expect(rows.map((row) => [row.operation, row.provider, row.inboundDialect])).toEqual([
      ['embeddings', 'mock', 'openai-chat'],
      ['embeddings', 'mock', 'gemini'],
    ]);
  });
});
