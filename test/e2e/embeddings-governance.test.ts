import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { eventually, startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';
import { spanKind, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

/**
 * Embeddings calls walk the same stages as chat calls: allow-lists, token limits on input tokens, the
 * response cache, model groups with eligibility and failover, pass-through provider keys, traces.
 */

let harness: TestGateway;
let client: OpenAI;
let receiver: OtlpReceiver;
const clock = new ManualClock();

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  harness = await startTestGateway(
    {
      telemetry: { otlp: { endpoint: receiver.url, exportDelayMs: 20 } },
      groups: {
        // Chat targets first: eligibility leaves them out of an embeddings call.
        mixed: { policy: 'failover', targets: [{ model: 'anthropic:claude-haiku-4-5' }, { model: 'openai:gpt-4o-mini' }, { model: 'openai:text-embedding-3-small' }] },
        embed: { policy: 'failover', retry: { attempts: 1 }, targets: [{ model: 'openai:text-embedding-3-small' }, { model: 'mistral:mistral-embed' }] },
        'chat-only': { policy: 'failover', targets: [{ model: 'anthropic:claude-haiku-4-5' }, { model: 'openai:gpt-4o-mini' }] },
        // A model neither Sluice's lists nor the price catalogue know, declared an embeddings model.
        declared: { policy: 'failover', targets: [{ model: 'openai:in-house-embedder', embeddings: true }] },
        'gemini-embed': { policy: 'failover', targets: [{ model: 'gemini:gemini-embedding-001' }] },
        cross: { policy: 'failover', retry: { attempts: 1 }, targets: [{ model: 'openai:text-embedding-3-small' }, { model: 'gemini:gemini-embedding-001' }] },
      },
    },
    { clock: clock.now },
  );
  client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await harness.close();
  await receiver.close();
});
beforeEach(() => harness.upstream.reset());

const lastRow = async () => (await harness.usageRows()).at(-1)!;

describe('model groups', () => {
  it('skips the chat targets of a mixed group', async () => {
    await client.embeddings.create({ model: 'mixed', input: 'route me' });
    expect(harness.upstream.requests.map((request) => request.path)).toEqual(['/v1/embeddings']);
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', groupName: 'mixed', provider: 'openai', upstreamModel: 'text-embedding-3-small' });
  });

  it('fails over to the next embeddings target when the first answers 503', async () => {
    harness.upstream.enqueue({ status: 503 });
    const response = await client.embeddings.create({ model: 'embed', input: 'fail over', encoding_format: 'float' });
    const [failed, served] = harness.upstream.requests;
    expect(failed!.headers.authorization).toBe(`Bearer ${upstreamKeys.openai}`);
    expect(served!.headers.authorization).toBe(`Bearer ${upstreamKeys.mistral}`);
    expect(response.data[0]!.embedding).toEqual(served!.sentVectors![0]);
    const row = await lastRow();
    expect(row).toMatchObject({ operation: 'embeddings', provider: 'mistral', fallback: true, attempts: 2, outcome: 'ok', inputTokens: served!.sentUsage!.inputTokens });
    expect(row.attemptTrail.map((attempt) => [attempt.target, attempt.statusCode])).toEqual([
      ['openai:text-embedding-3-small', 503],
      ['mistral:mistral-embed', 200],
    ]);
  });

  it('fails over from a pass-through target to a translated one, base64 and all', async () => {
    harness.upstream.enqueue({ status: 500 });
    const response = await client.embeddings.create({ model: 'cross', input: ['one', 'two'], dimensions: 3 });
    const [failed, served] = harness.upstream.requests;
    expect(failed!.path).toBe('/v1/embeddings');
    expect(served!.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    // The SDK asked for base64 and decoded what Sluice encoded from Gemini's numbers.
    expect(response.data.map((item) => item.embedding)).toEqual(served!.sentVectors!.map((vector) => vector.map((value) => Math.fround(value))));
    expect(response.data[0]!.embedding).toHaveLength(3);
    expect(await lastRow()).toMatchObject({ provider: 'gemini', fallback: true, attempts: 2, inputTokensEstimated: true });
  });

  it('a group with no embeddings target: 400 no_eligible_target naming each target, no upstream call', async () => {
    const refusal = client.embeddings.create({ model: 'chat-only', input: 'nowhere to go' });
    await expect(refusal).rejects.toMatchObject({ status: 400, code: 'no_eligible_target' });
    await expect(refusal).rejects.toThrow(/anthropic:claude-haiku-4-5 cannot make embeddings.*openai:gpt-4o-mini makes no embeddings/);
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('an OpenAI caller of a group served by Gemini gets the model that was called', async () => {
    const response = await client.embeddings.create({ model: 'gemini-embed', input: 'which model?' });
    expect(response.model).toBe('gemini-embedding-001');
  });

  it('a target declared `embeddings: true` is called though nothing lists it', async () => {
    await client.embeddings.create({ model: 'declared', input: 'custom' });
    expect(harness.upstream.requests[0]!.body).toMatchObject({ model: 'in-house-embedder' });
  });

  it('a Gemini caller naming a group: the batch requests name the upstream model', async () => {
    const gemini = new GoogleGenAI({ apiKey: harness.token, httpOptions: { baseUrl: harness.url } });
    const response = await gemini.models.embedContent({ model: 'gemini-embed', contents: ['one', 'two'] });
    const received = harness.upstream.requests[0]!;
    expect(received.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect((received.body as { requests: Array<{ model: string }> }).requests.map((request) => request.model)).toEqual([
      'models/gemini-embedding-001',
      'models/gemini-embedding-001',
    ]);
    expect(response.embeddings).toHaveLength(2);
  });
});

describe('governance', () => {
  it('serves a repeated call from the cache, in the encoding asked', async () => {
    const cacheOn = { headers: { 'x-sluice-cache': 'true' } };
    const request = { model: 'text-embedding-3-small', input: ['cache me', 'and me'], encoding_format: 'base64' as const };
    const first = await client.embeddings.create(request, cacheOn).withResponse();
    const second = await client.embeddings.create(request, cacheOn).withResponse();
    expect(first.response.headers.get('x-sluice-cache')).toBe('MISS');
    expect(second.response.headers.get('x-sluice-cache')).toBe('HIT');
    expect(harness.upstream.requests).toHaveLength(1);
    // Both came back as base64 strings; the hit's were encoded from the cached vectors, byte for byte the same.
    expect(second.data.data.map((item) => item.embedding)).toEqual(first.data.data.map((item) => item.embedding));
    expect(typeof second.data.data[0]!.embedding).toBe('string');
    const rows = (await harness.usageRows()).slice(-2);
    expect(rows.map((row) => [row.operation, row.cached])).toEqual([
      ['embeddings', false],
      ['embeddings', true],
    ]);
    expect(rows[1]!.savedCostUsd).toBeCloseTo(rows[0]!.costUsd!, 15);
    expect(rows[0]!.costUsd).toBeGreaterThan(0);
  });

  it('lists the embeddings models in /v1/models', async () => {
    const ids = (await client.models.list()).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o-mini', 'text-embedding-3-small', 'mistral-embed', 'gemini-embedding-001']));
    expect(ids).not.toContain('in-house-embedder');
  });

  it('refuses a model outside the key allow-list with 403, before any upstream call', async () => {
    const token = await harness.issueKey({ name: 'chat-only-key', allowedModels: ['openai:gpt-4o-mini'] });
    const limited = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await expect(limited.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toMatchObject({ status: 403 });
    expect(harness.upstream.requests).toHaveLength(0);
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', errorCode: 'model_not_allowed' });
  });

  it('counts input tokens against tokens per minute', async () => {
    const token = await harness.issueKey({ name: 'token-limited', limits: { tokensPerMinute: 20, requestsPerMinute: 0 } });
    const limited = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    // 40 characters: 10 tokens estimated before the call, 10 counted by the provider after it.
    const input = 'x'.repeat(40);
    await limited.embeddings.create({ model: 'text-embedding-3-small', input });
    await limited.embeddings.create({ model: 'text-embedding-3-small', input });
    expect(harness.upstream.requests.map((request) => request.sentUsage?.inputTokens)).toEqual([10, 10]);
    await expect(limited.embeddings.create({ model: 'text-embedding-3-small', input })).rejects.toMatchObject({ status: 429 });
    expect(harness.upstream.requests).toHaveLength(2);
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', statusCode: 429, errorCode: 'rate_limited.key.tokens_per_minute' });
    clock.advance(60_000);
    await expect(limited.embeddings.create({ model: 'text-embedding-3-small', input })).resolves.toBeDefined();
  });

  it('reserves and settles budgets on input cost alone', async () => {
    // text-embedding-3-small: $0.02 per million input tokens; 160 characters are 40 tokens, $0.0000008.
    const token = await harness.issueKey({ name: 'budgeted', limits: { requestsPerMinute: 0, budget: { period: 'month', hardUsd: 0.000001 } } });
    const budgeted = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const input = 'y'.repeat(160);
    await budgeted.embeddings.create({ model: 'text-embedding-3-small', input });
    await expect(budgeted.embeddings.create({ model: 'text-embedding-3-small', input })).rejects.toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect(harness.upstream.requests).toHaveLength(1);
    const rows = (await harness.usageRows()).slice(-2);
    expect(rows.map((row) => [row.operation, row.statusCode, row.errorCode])).toEqual([
      ['embeddings', 200, null],
      ['embeddings', 429, 'budget_exceeded.key'],
    ]);
    expect(rows[0]!.costUsd).toBeCloseTo(0.0000008, 15);
  });

  it('sends the caller’s own provider key in pass-through mode, and never the gateway key', async () => {
    const own = new OpenAI({ apiKey: 'sk-caller-own-openai-key', baseURL: `${harness.url}/v1`, maxRetries: 0, defaultHeaders: { 'x-sluice-token': harness.token } });
    await own.embeddings.create({ model: 'text-embedding-3-small', input: 'my key' });
    const received = harness.upstream.requests[0]!;
    expect(received.headers.authorization).toBe('Bearer sk-caller-own-openai-key');
    expect(JSON.stringify(received)).not.toContain(harness.token);
    expect(await lastRow()).toMatchObject({ operation: 'embeddings', callerProviderKey: true });
  });

  it('counts calls and input tokens in the metrics under the embeddings model', async () => {
    const metricsToken = await harness.issueKey({ name: 'prometheus', role: 'metrics' });
    const scrape = async () => parsePrometheusText(await (await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text());
    const labels = { provider: 'openai', model: 'text-embedding-3-small', type: 'input' };
    const before = sampleValue(await scrape(), 'sluice_tokens_total', labels) ?? 0;
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'count my tokens please' });
    const sent = harness.upstream.requests[0]!.sentUsage!.inputTokens;
    expect(sampleValue(await scrape(), 'sluice_tokens_total', labels)).toBe(before + sent);
    expect(sampleValue(await scrape(), 'sluice_tokens_total', { ...labels, type: 'output' }) ?? 0).toBe(0);
  });

  it('shows the operation in the analytics request log', async () => {
    const { response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'log me' }).withResponse();
    const requestId = response.headers.get('x-sluice-request-id')!;
    await harness.usageRows();
    const analyst = await harness.issueKey({ name: 'analyst', role: 'analytics' });
    const detail = await fetch(`${harness.url}/analytics/requests/${requestId}`, { headers: { authorization: `Bearer ${analyst}` } });
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ id: requestId, operation: 'embeddings', dialect: 'openai-chat', output_tokens: 0 });
  });

  it('traces the call as gen_ai.operation.name = embeddings', async () => {
    const { response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'trace me', dimensions: 4 }).withResponse();
    const requestId = response.headers.get('x-sluice-request-id');
    const server = await eventually(
      () => receiver.spans.find((span) => span.kind === spanKind.server && span.attributes['sluice.request_id'] === requestId),
      (span) => span !== undefined,
    );
    expect(server!.name).toBe('POST /v1/embeddings');
    expect(server!.attributes['gen_ai.operation.name']).toBe('embeddings');
    const attemptSpan = receiver.spans.find((span) => span.parentSpanId === server!.spanId)!;
    expect(attemptSpan.name).toBe('embeddings text-embedding-3-small');
    expect(attemptSpan.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.embeddings.dimension.count': 4,
      'gen_ai.request.encoding_formats': ['base64'],
      'gen_ai.usage.input_tokens': harness.upstream.requests[0]!.sentUsage!.inputTokens,
      'gen_ai.usage.output_tokens': 0,
    });
  });
});
