import type { TokenUsage } from '../domain/token-usage.js';

/*
 * The shapes every codec of a dialect shares, chat and embeddings alike: what a request's URL and an
 * answer say, and a JSON body. Apart from `dialect.ts` so the embeddings codec can use them without a circle.
 */

/** What the request URL says, for shapes that put the model there (Gemini: `models/{model}:generateContent`). */
export interface RequestUrlFacts {
  model?: string | undefined;
  stream?: boolean | undefined;
  /** Gemini's `:embedContent` asks for one embedding, `:batchEmbedContents` for a list. */
  single?: boolean | undefined;
}

/** A JSON request body, mutable copy for pass-through edits. */
export type JsonObject = Record<string, unknown>;

/** What a response (whole or streamed) said about itself. */
export interface ResponseFacts {
  usage: TokenUsage | undefined;
  reportedModel: string | undefined;
  /** The provider's id for the answer (`chatcmpl-…`, `msg_…`, Gemini's `responseId`), for traces. */
  responseId?: string | undefined;
  /** The provider's own reasons for stopping, one per choice (`stop`, `end_turn`, `STOP`), for traces. */
  finishReasons?: string[] | undefined;
}
