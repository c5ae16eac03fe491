import type { Dialect } from '../../dialects/dialect.js';
import type { RouteTarget } from '../../domain/route-target.js';
import type { UpstreamRequestParts } from '../../domain/upstream-request-parts.js';
import type { EmbeddingsCodec } from '../../dialects/embeddings-codec.js';
import type { IrEmbeddingsRequest } from '../../ir/embeddings-types.js';
import type { IrRequest } from '../../ir/ir-types.js';

/** The upstream request for a target, ready to send, and how its answer must be relayed. */
export interface UpstreamPlan {
  /** The target it calls: its provider and model are read from here, never copied. */
  target: RouteTarget;
  parts: UpstreamRequestParts;
  /** The shape the provider is called in (the caller's own on pass-through). */
  upstreamDialect: Dialect;
  /** Set when the provider speaks another shape than the caller. */
  translation: Translation | undefined;
  /** Sluice asked for OpenAI stream usage the caller did not: that chunk is removed again. */
  removeInjectedUsageChunk: boolean;
  /** Images in the body as sent (after any translation): the row's `image_count` when this plan serves. */
  imageCount: number;
  /** Set on an embeddings call: how its answer is read and written back. */
  embeddings: EmbeddingsRelay | undefined;
}

/** Set when the upstream speaks another shape than the caller. */
export interface Translation {
  upstreamDialect: Dialect;
  /** The caller's request as the core model. */
  callerRequest: IrRequest;
}

/** How an embeddings call's answer is read and written back. */
export interface EmbeddingsRelay {
  /** The caller's shape. */
  callerCodec: EmbeddingsCodec;
  /** The shape the provider answers in (the caller's own on pass-through). */
  upstreamCodec: EmbeddingsCodec;
  /** The caller's request, for what its answer must echo (base64 or numbers, one or a list). */
  request: IrEmbeddingsRequest;
  translated: boolean;
}
