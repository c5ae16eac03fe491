import type { TokenUsage } from '../domain/token-usage.js';

/** One thing to embed: text, or text the caller already tokenized (OpenAI's token arrays). */
export type IrEmbeddingsInput = { type: 'text'; text: string } | { type: 'tokens'; tokens: readonly number[] };

/**
 * An embeddings request in no provider's shape: what every embeddings codec decodes into and encodes
 * from, so N shapes need N codecs and not N×N.
 */
export interface IrEmbeddingsRequest {
  model: string;
  inputs: IrEmbeddingsInput[];
  /** The vector length asked for (OpenAI `dimensions`, Gemini `outputDimensionality`); undefined: the model's own. */
  dimensions: number | undefined;
  /**
   * How the caller wants the vectors written: JSON numbers, or base64 of little-endian float32 bytes
   * (OpenAI's `encoding_format: base64`). Gemini callers always get numbers.
   */
  encodingFormat: 'float' | 'base64';
  /** The caller asked for one embedding, not a list of them (Gemini's `:embedContent`). */
  single: boolean;
  /** Gemini's retrieval hints; other providers have no place for them (dropped with a warning). */
  taskType: string | undefined;
  title: string | undefined;
  /** End-user id found in the body (OpenAI `user`). */
  user: string | undefined;
  /**
   * Set when the body holds what only its own shape can carry (a Gemini image part): it passes through to a
   * provider of that shape, and any other encoder refuses it with this field named.
   */
  untranslatable: { param: string; reason: string } | undefined;
  /** What a translation could not carry over; sent as `x-sluice-warning`. */
  warnings: string[];
}

/** The vectors, one per input in input order, and what the provider counted. */
export interface IrEmbeddingsResponse {
  /** The model the provider says answered; empty when it does not say. */
  model: string;
  vectors: number[][];
  /** Input tokens only: embeddings produce no output tokens. Undefined when the provider reports none. */
  usage: TokenUsage | undefined;
}
