import type { IrResponse, IrStreamEvent } from '../ir/ir-types.js';

/** An answer worth replaying: whole, or the core events of a stream, with what the original call cost. */
export interface CachedAnswer {
  answer: { kind: 'whole'; response: IrResponse } | { kind: 'stream'; events: IrStreamEvent[] };
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
