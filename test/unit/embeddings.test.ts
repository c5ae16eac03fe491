import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { geminiEmbeddingsCodec } from '../../src/dialects/gemini/embeddings/gemini-embeddings-codec.js';
import { decodeVectorBase64, encodeVectorBase64 } from '../../src/dialects/openai-chat/embeddings/base64-vector.js';
import { openAiEmbeddingsCodec } from '../../src/dialects/openai-chat/embeddings/openai-embeddings-codec.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import type { IrEmbeddingsRequest } from '../../src/ir/embeddings-types.js';
import type { EmbeddingsEndpoint } from '../../src/domain/provider-entry.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import { buildRouteGroups } from '../../src/routing/build-route-groups.js';
import { servesEmbeddings } from '../../src/routing/serves-embeddings.js';
import { catalogueSaysEmbeddings } from '../../src/usage/catalogue-embeddings-model.js';
import { estimateEmbeddingsInputTokens } from '../../src/usage/estimate-embeddings-input-tokens.js';

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/wire/${path}`, import.meta.url), 'utf8'));
const openAiEndpoint: EmbeddingsEndpoint = { path: '/embeddings', auth: 'bearer' };
const mistralEndpoint: EmbeddingsEndpoint = { path: '/embeddings', auth: 'bearer', dimensionsField: 'output_dimension' };
const geminiEndpoint: EmbeddingsEndpoint = { path: '/models/{model}:embedContent', batchPath: '/models/{model}:batchEmbedContents', auth: 'x-goog-api-key' };

/** Little-endian float32 bytes written with a DataView, independently of Sluice's encoder. */
function base64Of(values: number[]): string {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return Buffer.from(view.buffer).toString('base64');
}

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('base64 vectors (OpenAI `encoding_format: base64`)', () => {
  it('is little-endian float32, as the SDKs decode it', () => {
    const values = [0.5, -1.25, 3.0517578125e-5];
    expect(encodeVectorBase64(values)).toBe(base64Of(values));
    expect(decodeVectorBase64(base64Of(values))).toEqual(values);
  });

  it('refuses bytes that are not whole floats', () => {
    expect(decodeVectorBase64(Buffer.from([1, 2, 3]).toString('base64'))).toBeUndefined();
  });
});

describe('OpenAI embeddings codec', () => {
  it('decodes every input form', () => {
    const inputs = (input: unknown) => openAiEmbeddingsCodec.decodeRequest({ model: 'm', input }, {}).inputs;
    expect(inputs('one')).toEqual([{ type: 'text', text: 'one' }]);
    expect(inputs(['a', 'b'])).toEqual([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }]);
    expect(inputs([1, 2, 3])).toEqual([{ type: 'tokens', tokens: [1, 2, 3] }]);
    expect(inputs([[1], [2, 3]])).toEqual([{ type: 'tokens', tokens: [1] }, { type: 'tokens', tokens: [2, 3] }]);
    const decoded = openAiEmbeddingsCodec.decodeRequest({ model: 'm', input: 'x', dimensions: 256, encoding_format: 'base64', user: 'u1' }, {});
    expect(decoded).toMatchObject({ model: 'm', dimensions: 256, encodingFormat: 'base64', single: false, user: 'u1' });
    expect(openAiEmbeddingsCodec.decodeRequest({ model: 'm', input: 'x' }, {}).encodingFormat).toBe('float');
  });

  it('names the field at fault', () => {
    const param = (body: unknown) => refusal(() => openAiEmbeddingsCodec.decodeRequest(body, {})).param;
    expect(param({ input: 'x' })).toBe('model');
    expect(param({ model: 'm' })).toBe('input');
    expect(param({ model: 'm', input: '' })).toBe('input');
    expect(param({ model: 'm', input: ['ok', 7] })).toBe('input.1');
    expect(param({ model: 'm', input: [[1, -2]] })).toBe('input.0');
    expect(param({ model: 'm', input: 'x', dimensions: 0 })).toBe('dimensions');
    expect(param({ model: 'm', input: 'x', encoding_format: 'int8' })).toBe('encoding_format');
  });

  it('reads the documented answer, and a base64 one, in index order', () => {
    const decoded = openAiEmbeddingsCodec.decodeResponse(fixture('openai-embeddings/embeddings-float.json'));
    expect(decoded).toEqual({
      model: 'text-embedding-ada-002',
      vectors: [[0.0023064255, -0.009327292, -0.0028842222]],
      usage: { inputTokens: 8, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
    const shuffled = openAiEmbeddingsCodec.decodeResponse({
      data: [
        { object: 'embedding', index: 1, embedding: base64Of([2, 2]) },
        { object: 'embedding', index: 0, embedding: base64Of([1, 1]) },
      ],
    });
    expect(shuffled.vectors).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(refusal(() => openAiEmbeddingsCodec.decodeResponse({ data: [{ embedding: 'x' }] })).code).toBe('upstream_invalid_response');
  });

  it('writes base64 itself when the caller asked for it', () => {
    const request = openAiEmbeddingsCodec.decodeRequest({ model: 'm', input: 'x', encoding_format: 'base64' }, {});
    const usage = { inputTokens: 3, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    const answer = openAiEmbeddingsCodec.encodeResponse({ model: '', vectors: [[0.25, -0.5]], usage }, request);
    expect(answer).toEqual({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: base64Of([0.25, -0.5]) }], model: 'm', usage: { prompt_tokens: 3, total_tokens: 3 } });
  });

  it('pass-through edits only the model, and Mistral’s name for dimensions', () => {
    const body = { model: 'alias', input: 'x', dimensions: 8, extra: true };
    const request = openAiEmbeddingsCodec.decodeRequest(body, {});
    expect(openAiEmbeddingsCodec.prepareUpstreamBody(body, request, { upstreamModel: 'alias', endpoint: openAiEndpoint }).body).toBe(body);
    expect(openAiEmbeddingsCodec.prepareUpstreamBody(body, request, { upstreamModel: 'real', endpoint: openAiEndpoint }).body).toEqual({ ...body, model: 'real' });
    expect(openAiEmbeddingsCodec.prepareUpstreamBody(body, request, { upstreamModel: 'mistral-embed', endpoint: mistralEndpoint }).body).toEqual({
      model: 'mistral-embed',
      input: 'x',
      output_dimension: 8,
      extra: true,
    });
  });
});

describe('Gemini embeddings codec', () => {
  it('decodes :embedContent and :batchEmbedContents', () => {
    const single = geminiEmbeddingsCodec.decodeRequest({ content: { parts: [{ text: 'a' }, { text: 'b' }] }, outputDimensionality: 3, taskType: 'RETRIEVAL_DOCUMENT', title: 'T' }, { model: 'g', single: true });
    expect(single).toMatchObject({ model: 'g', inputs: [{ type: 'text', text: 'ab' }], dimensions: 3, single: true, taskType: 'RETRIEVAL_DOCUMENT', title: 'T', untranslatable: undefined });
    const batch = geminiEmbeddingsCodec.decodeRequest({ requests: [{ model: 'models/g', content: { parts: [{ text: 'x' }] } }, { model: 'models/g', content: { parts: [{ text: 'y' }] } }] }, { model: 'g', single: false });
    expect(batch.inputs).toEqual([{ type: 'text', text: 'x' }, { type: 'text', text: 'y' }]);
    expect(refusal(() => geminiEmbeddingsCodec.decodeRequest({ requests: [] }, { model: 'g', single: false })).param).toBe('requests');
    expect(refusal(() => geminiEmbeddingsCodec.decodeRequest({ content: { parts: [] } }, { model: 'g', single: true })).param).toBe('content.parts');
  });

  it('pass-through names the model called wherever the body names one', () => {
    const single = { model: 'models/alias', content: { parts: [{ text: 'x' }] } };
    const singleRequest = geminiEmbeddingsCodec.decodeRequest(single, { model: 'alias', single: true });
    expect(geminiEmbeddingsCodec.prepareUpstreamBody(single, singleRequest, { upstreamModel: 'g', endpoint: geminiEndpoint }).body).toEqual({ ...single, model: 'models/g' });
    const unnamed = { content: { parts: [{ text: 'x' }] } };
    expect(geminiEmbeddingsCodec.prepareUpstreamBody(unnamed, singleRequest, { upstreamModel: 'g', endpoint: geminiEndpoint }).body).toBe(unnamed);
    const batch = { requests: [{ model: 'models/alias', content: { parts: [{ text: 'x' }] } }] };
    const batchRequest = geminiEmbeddingsCodec.decodeRequest(batch, { model: 'alias', single: false });
    const prepared = geminiEmbeddingsCodec.prepareUpstreamBody(batch, batchRequest, { upstreamModel: 'g', endpoint: geminiEndpoint });
    expect(prepared).toEqual({ body: { requests: [{ model: 'models/g', content: { parts: [{ text: 'x' }] } }] }, batch: true, warnings: [] });
  });

  it('an image part passes through to Gemini but is refused towards another shape', () => {
    const body = { content: { parts: [{ text: 'look' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }] } };
    const request = geminiEmbeddingsCodec.decodeRequest(body, { model: 'g', single: true });
    expect(geminiEmbeddingsCodec.prepareUpstreamBody(body, request, { upstreamModel: 'g', endpoint: geminiEndpoint }).body).toBe(body);
    const error = refusal(() => openAiEmbeddingsCodec.encodeRequest(request, { upstreamModel: 'text-embedding-3-small', endpoint: openAiEndpoint }));
    expect(error).toMatchObject({ code: 'unsupported_translation', param: 'content.parts.1' });
  });

  it('encodes one input for :embedContent and several for :batchEmbedContents; token ids are refused', () => {
    const request: IrEmbeddingsRequest = openAiEmbeddingsCodec.decodeRequest({ model: 'm', input: 'one', dimensions: 4 }, {});
    expect(geminiEmbeddingsCodec.encodeRequest(request, { upstreamModel: 'gemini-embedding-001', endpoint: geminiEndpoint })).toEqual({
      body: { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'one' }] }, outputDimensionality: 4 },
      batch: false,
      warnings: [],
    });
    const several = openAiEmbeddingsCodec.decodeRequest({ model: 'm', input: ['a', 'b'] }, {});
    const encoded = geminiEmbeddingsCodec.encodeRequest(several, { upstreamModel: 'g', endpoint: geminiEndpoint });
    expect(encoded.batch).toBe(true);
    expect(encoded.body).toEqual({ requests: [{ model: 'models/g', content: { parts: [{ text: 'a' }] } }, { model: 'models/g', content: { parts: [{ text: 'b' }] } }] });
    const tokens = openAiEmbeddingsCodec.decodeRequest({ model: 'm', input: ['text', [1, 2]] }, {});
    expect(refusal(() => geminiEmbeddingsCodec.encodeRequest(tokens, { upstreamModel: 'g', endpoint: geminiEndpoint }))).toMatchObject({ code: 'unsupported_translation', param: 'input.1' });
  });

  it('towards OpenAI: dimensions carried, Gemini-only hints dropped with a warning', () => {
    const request = geminiEmbeddingsCodec.decodeRequest({ content: { parts: [{ text: 'q' }] }, taskType: 'RETRIEVAL_QUERY', outputDimensionality: 2 }, { model: 'g', single: true });
    const encoded = openAiEmbeddingsCodec.encodeRequest(request, { upstreamModel: 'mistral-embed', endpoint: mistralEndpoint });
    expect(encoded.body).toEqual({ model: 'mistral-embed', input: ['q'], encoding_format: 'float', output_dimension: 2 });
    expect(encoded.warnings).toEqual(['taskType was dropped: the target has no task types']);
  });

  it('reads the documented answers of both methods, and writes the caller’s', () => {
    expect(geminiEmbeddingsCodec.decodeResponse(fixture('gemini/embed-content.json'))).toEqual({
      model: '',
      vectors: [[0.013168523, -0.008711934, -0.046782676, 0.00069968984]],
      usage: undefined,
    });
    const batch = geminiEmbeddingsCodec.decodeResponse(fixture('gemini/batch-embed-contents.json'));
    expect(batch.vectors).toEqual([
      [-0.0032208148, 0.0060290508, -0.0075045004],
      [0.010735845, -0.0023543453, -0.022112174],
    ]);
    const single = geminiEmbeddingsCodec.decodeRequest({ content: { parts: [{ text: 'q' }] } }, { model: 'g', single: true });
    expect(geminiEmbeddingsCodec.encodeResponse(batch, single)).toEqual({ embedding: { values: batch.vectors[0] } });
    const listed = geminiEmbeddingsCodec.decodeRequest({ requests: [{ content: { parts: [{ text: 'q' }] } }] }, { model: 'g', single: false });
    expect(geminiEmbeddingsCodec.encodeResponse(batch, listed)).toEqual({ embeddings: batch.vectors.map((values) => ({ values })) });
  });
});

describe('which models make embeddings', () => {
  const registry = buildProviderRegistry({
    config: parseConfig({ providers: { local: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', models: ['llama-3.1-8b'], embeddingModels: ['bge-m3'] } } }, {}),
    env: {},
    providersWithStoredKeys: new Set(),
  });
  const serves = (provider: string, model: string) => servesEmbeddings(registry.get(provider)!, model);

  it('from the provider lists, the catalogue, and the provider kind', () => {
    expect(serves('openai', 'text-embedding-3-small')).toBe(true);
    expect(serves('openai', 'gpt-4o-mini')).toBe(false);
    // Neither listed: the price catalogue decides (input price only: embeddings).
    expect(serves('openai', 'gpt-4.1-nano')).toBe(false);
    expect(serves('gemini', 'gemini-embedding-2')).toBe(true);
    expect(serves('openai', 'no-such-model')).toBe(false);
    expect(serves('anthropic', 'claude-haiku-4-5')).toBe(false);
    expect(serves('mistral', 'mistral-embed')).toBe(true);
    expect(serves('local', 'bge-m3')).toBe(true);
    expect(serves('local', 'llama-3.1-8b')).toBe(false);
    expect(serves('local', 'nomic-embed-text')).toBe(true);
  });

  it('reads the catalogue once per model', () => {
    expect(catalogueSaysEmbeddings('text-embedding-3-large', 'openai')).toBe(true);
    expect(catalogueSaysEmbeddings('gpt-4o-mini', 'openai')).toBe(false);
    expect(catalogueSaysEmbeddings('unheard-of', 'openai')).toBeUndefined();
    expect(catalogueSaysEmbeddings('anything', undefined)).toBeUndefined();
  });

  it('estimates input tokens: ids exactly, text at four characters a token', () => {
    const request = openAiEmbeddingsCodec.decodeRequest({ model: 'm', input: [[1, 2, 3]] }, {});
    expect(estimateEmbeddingsInputTokens(request)).toBe(3);
    expect(estimateEmbeddingsInputTokens(openAiEmbeddingsCodec.decodeRequest({ model: 'm', input: ['abcdefgh', 'abc'] }, {}))).toBe(3);
  });
});

describe('a group target’s embeddings capability', () => {
  const groupsOf = (targets: unknown[]) => {
    const config = parseConfig({ groups: { mixed: { targets } } }, {});
    const registry = buildProviderRegistry({ config, env: {}, providersWithStoredKeys: new Set() });
    return buildRouteGroups({ groups: config.groups, registry, aliases: new Map(), switchedOffProviders: new Set(), logger: { warn: () => undefined } });
  };

  it('is inferred when the config says nothing, and declared otherwise', () => {
    const targets = groupsOf([
      { model: 'openai:text-embedding-3-small' },
      { model: 'openai:gpt-4o-mini' },
      { model: 'anthropic:claude-haiku-4-5' },
      { model: 'openai:in-house', embeddings: true },
      { model: 'openai:text-embedding-3-large', embeddings: false },
    ]).get('mixed')!.targets;
    expect(targets.map((target) => target.capabilities.embeddings)).toEqual([true, false, false, true, false]);
  });

  it('cannot be declared for a provider without an embeddings API', () => {
    expect(() => groupsOf([{ model: 'anthropic:claude-haiku-4-5', embeddings: true }])).toThrow("groups.mixed.targets.0.embeddings: provider 'anthropic' has no embeddings API");
  });
});
