import { encodeVectorBase64 } from '../dialects/openai-chat/embeddings/base64-vector.js';
import { countTokens } from './mock-conversation.js';
import { defaultMockDimensions, mockEmbeddingVector } from './mock-embedding-vector.js';

/**
 * Embeddings in the two wire formats providers use: OpenAI's `/v1/embeddings` (also Mistral's and every
 * OpenAI-compatible server's) and Gemini's `:embedContent` / `:batchEmbedContents`.
 */

type Json = Record<string, unknown>;

/** What a request asks to embed, read off either wire; `problem` is the provider's 400 message when it is malformed. */
export interface MockEmbeddingsRequest {
  texts: string[];
  /** Token counts per input (token-id inputs count their ids). */
  tokens: number;
  dimensions: number;
  base64: boolean;
}

/** `/v1/embeddings`: `input` as a string, strings, token ids or lists of them; `dimensions` (Mistral: `output_dimension`). */
export function readOpenAiEmbeddingsRequest(body: Json): MockEmbeddingsRequest | string {
  const input = body.input;
  if (typeof body.model !== 'string') return "Missing required parameter: 'model'.";
  const items: unknown[] = typeof input === 'string' ? [input] : Array.isArray(input) && typeof input[0] === 'number' ? [input] : Array.isArray(input) ? input : [];
  if (items.length === 0) return "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";
  const texts: string[] = [];
  let tokens = 0;
  for (const item of items) {
    if (typeof item === 'string' && item.length > 0) {
      texts.push(item);
      tokens += countTokens(item);
    } else if (Array.isArray(item) && item.length > 0 && item.every((token) => Number.isInteger(token))) {
      texts.push(item.join(' '));
      tokens += item.length;
    } else {
      return "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";
    }
  }
  const dimensions = body.dimensions ?? body.output_dimension;
  if (dimensions !== undefined && !(Number.isInteger(dimensions) && (dimensions as number) > 0)) return 'Invalid value for dimensions.';
  const format = body.encoding_format;
  if (format !== undefined && format !== 'float' && format !== 'base64') return "Invalid value for 'encoding_format': must be 'float' or 'base64'.";
  return { texts, tokens, dimensions: (dimensions as number | undefined) ?? defaultMockDimensions, base64: format === 'base64' };
}

export function openAiEmbeddingsResponse(request: MockEmbeddingsRequest, vectors: number[][], model: string): Json {
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: request.base64 ? encodeVectorBase64(vector) : vector })),
    model,
    usage: { prompt_tokens: request.tokens, total_tokens: request.tokens },
  };
}

/**
 * `:embedContent` (`{ content, outputDimensionality }`) or `:batchEmbedContents` (`{ requests: [...] }`, each
 * naming `models/{the URL's model}`, as Gemini requires).
 */
export function readGeminiEmbeddingsRequest(body: Json, pathModel: string, single: boolean): MockEmbeddingsRequest | string {
  let requests: Json[];
  if (single) {
    requests = [body];
  } else {
    if (!Array.isArray(body.requests) || body.requests.length === 0) return '* BatchEmbedContentsRequest.requests: requests is not specified';
    requests = body.requests as Json[];
  }
  const texts: string[] = [];
  let dimensions: number | undefined;
  for (const [index, request] of requests.entries()) {
    if (!single && request.model !== `models/${pathModel}`) {
      return `* BatchEmbedContentsRequest.requests[${index}].model: the model must be models/${pathModel}, as in the URL`;
    }
    const parts = (request.content as Json | undefined)?.parts;
    if (!Array.isArray(parts) || parts.length === 0) return `* EmbedContentRequest.content: content is not specified`;
    texts.push(parts.map((part: Json) => (typeof part.text === 'string' ? part.text : '')).join(''));
    dimensions ??= request.outputDimensionality as number | undefined;
  }
  return { texts, tokens: texts.reduce((sum, text) => sum + countTokens(text), 0), dimensions: dimensions ?? defaultMockDimensions, base64: false };
}

export function geminiEmbeddingsResponse(vectors: number[][], single: boolean): Json {
  return single ? { embedding: { values: vectors[0] } } : { embeddings: vectors.map((values) => ({ values })) };
}

/** One deterministic vector per text. */
export function mockEmbeddingVectors(request: MockEmbeddingsRequest): number[][] {
  return request.texts.map((text) => mockEmbeddingVector(text, request.dimensions));
}
