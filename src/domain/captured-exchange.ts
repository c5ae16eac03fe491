import type { DialectName } from './dialect-name.js';

/**
 * Governed content capture (issue 22 §2): one call's request as the caller sent it and its answer as
 * returned, redacted before it is stored and sealed with the master key at rest. Linked to the usage row by
 * `requestId` (the row's id, the `x-sluice-request-id` the caller saw).
 */
export interface CapturedExchange {
  requestId: string;
  /** Epoch milliseconds the request arrived (the usage row's `createdAt`). */
  createdAt: number;
  keyId: string | null;
  teamName: string | null;
  userName: string | null;
  /** The model the caller asked for (a group, alias or model), as the usage row records it. */
  requestedModel: string | null;
  runId: string | null;
  trialId: string | null;
  tags: string[];
  /** The caller's API shape, so a replay sends the same shape to the same route. */
  inboundDialect: DialectName;
  /** HTTP method and the path with its query string, as the caller sent them (`/v1/chat/completions`). */
  method: string;
  path: string;
  /** The request's headers, credentials removed (authorization, x-api-key, cookies, provider keys…). */
  requestHeaders: Record<string, string>;
  /** The request body as the caller sent it, redacted. */
  requestBody: string;
  /** The status the caller got. */
  status: number;
  /** Whether the answer was a stream (then `answer` holds its events' text in order). */
  stream: boolean;
  /** The whole answer body, or for a stream its bytes as sent (SSE text), redacted. */
  answer: string;
  /** The request or answer was cut at `maxBytes`; a replay skips a capture whose request was cut. */
  requestTruncated: boolean;
  answerTruncated: boolean;
  /** Placeholders put in by redaction, by kind (`email: 2`), so a reader knows what was taken out. */
  redactions: Record<string, number>;
}

/** Which captures a purge, a listing or a replay reads. Every field narrows; none means all. */
export interface CaptureFilter {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  before?: number;
  keyId?: string;
  teamName?: string;
  requestedModel?: string;
  tag?: string;
  runId?: string;
}
