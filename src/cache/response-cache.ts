import type { IrEmbeddingsResponse } from '../ir/embeddings-types.js';
import type { IrResponse, IrStreamEvent } from '../ir/ir-types.js';

/** A chat answer in the core model: whole, or the events of a stream. */
export type ChatAnswer = { kind: 'whole'; response: IrResponse } | { kind: 'stream'; events: IrStreamEvent[] };
/** An embeddings answer in the core model (its vectors as numbers, whatever encoding carried them). */
export type EmbeddingsAnswer = { kind: 'embeddings'; response: IrEmbeddingsResponse };

/** An answer worth replaying, in a form any caller's shape can be served from, with what the original call cost. */
export interface CachedAnswer {
  answer: ChatAnswer | EmbeddingsAnswer;
  reportedModel: string | null;
  /** What the original call cost, recorded as saved on every hit; null when it had no known price. */
  costUsd: number | null;
  storedAt: number;
}

/** Where cached answers live: in process by default, Redis when instances share it. */
export interface ResponseCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void>;
}
