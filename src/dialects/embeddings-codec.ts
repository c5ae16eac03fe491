import type { IrEmbeddingsRequest, IrEmbeddingsResponse } from '../ir/embeddings-types.js';
import type { EmbeddingsEndpoint } from '../domain/provider-entry.js';
import type { JsonObject, RequestUrlFacts, ResponseFacts } from './wire-facts.js';

/** An upstream embeddings body, and whether it asks for several embeddings (Gemini calls another method then). */
export interface EncodedEmbeddingsRequest {
  body: JsonObject;
  batch: boolean;
  warnings: string[];
}

/** Where an embeddings body goes: the model named upstream, and the endpoint's quirks. */
export interface EmbeddingsTarget {
  upstreamModel: string;
  endpoint: EmbeddingsEndpoint;
}

/**
 * The embeddings operation of one API shape, the counterpart of a Dialect's chat codecs: a dialect that
 * has embeddings (`openai-chat`: `/v1/embeddings`; `gemini`: `:embedContent`, `:batchEmbedContents`) carries
 * one. Errors keep the dialect's own envelope. Every answer is whole: embeddings never stream.
 */
export interface EmbeddingsCodec {
  /**
   * Reads and checks the caller's body (400 naming the field). Embeddings requests are small and every
   * stage needs the inputs (token estimate, cache, translation), so they are decoded once, up front.
   */
  decodeRequest(body: unknown, url: RequestUrlFacts): IrEmbeddingsRequest;
  /** The caller's own body for an upstream of the same shape, with the least edits (the model name). */
  prepareUpstreamBody(body: JsonObject, request: IrEmbeddingsRequest, target: EmbeddingsTarget): EncodedEmbeddingsRequest;
  /** A body for an upstream of this shape, translated from the core request. */
  encodeRequest(request: IrEmbeddingsRequest, target: EmbeddingsTarget): EncodedEmbeddingsRequest;
  /** Usage and model read off a whole answer without decoding its vectors (pass-through). */
  readResponse(body: unknown): ResponseFacts;
  /** 502 `upstream_invalid_response` when the answer holds no readable vectors. */
  decodeResponse(body: unknown): IrEmbeddingsResponse;
  /** `request` is the caller's own, for what the answer must echo (encoding, one or a list). */
  encodeResponse(response: IrEmbeddingsResponse, request: IrEmbeddingsRequest): JsonObject;
}
