import type { Dialect } from '../../dialects/dialect.js';
import type { RouteTarget } from '../../routing/route-target.js';
import type { UpstreamRequestParts } from './build-upstream-call.js';
import type { Translation } from './relay-upstream-response.js';
import type { EmbeddingsRelay } from './relay-embeddings-answer.js';

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
