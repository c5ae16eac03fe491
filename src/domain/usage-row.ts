import type { DialectName } from './dialect-name.js';
import type { Operation } from './operation.js';
import type { AttemptRecord } from './attempt-record.js';
import type { LinearRates } from './price-rates.js';

/** How a request ended. */
export type UsageOutcome = 'ok' | 'error' | 'cancelled';

/** One row per request, whatever happened to it. */
export interface UsageRow {
  /** ULID; also the `x-sluice-request-id` the caller saw. */
  id: string;
  /** Epoch milliseconds when the request arrived. */
  createdAt: number;
  keyId: string | null;
  userName: string | null;
  teamName: string | null;
  /** Free-form end user: `x-sluice-user`, else the body's `user` / `metadata.user_id`. */
  requester: string | null;
  tags: string[];
  /** The evaluation run the call belongs to: `x-sluice-run`, a `run:` tag, or the key's run (issue 22 §1). */
  runId: string | null;
  /** The trial of that run: `x-sluice-trial` or a `trial:` tag. */
  trialId: string | null;
  inboundDialect: DialectName;
  /** `chat` (a generated answer) or `embeddings` (vectors: input tokens only, output always 0). */
  operation: Operation;
  provider: string | null;
  requestedModel: string | null;
  /** The model group the requested name resolved to; null for a plain model. */
  groupName: string | null;
  /** The group's routing policy (`failover`, `weighted`…); null for a plain model. */
  policy: string | null;
  /** The model name sent upstream after resolution. */
  upstreamModel: string | null;
  /** The model the provider said it used. */
  reportedModel: string | null;
  stream: boolean;
  /** The caller brought its own provider key (pass-through mode). */
  callerProviderKey: boolean;
  statusCode: number;
  outcome: UsageOutcome;
  errorCode: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Images the request sent upstream (counted in the body as sent, so after any translation). */
  imageCount: number;
  /** Image tokens among `inputTokens`, when the provider reported them; else 0. */
  imageTokens: number;
  /** Output tokens were estimated from the text seen (the stream ended before the provider's count). */
  outputTokensEstimated: boolean;
  /** Input tokens were estimated from the request (the stream ended before the provider counted them). */
  inputTokensEstimated: boolean;
  /** Served from the response cache: no tokens, no cost. */
  cached: boolean;
  /** What a cache hit saved: the cost of the call that produced the answer. */
  savedCostUsd: number | null;
  /** USD; null when no price is known for the model. Filled in by the usage writer. */
  costUsd: number | null;
  /**
   * Where `costUsd` came from: the catalogue and its version (`genai-prices@0.1.8`, with ` (tiered)` when the
   * rate depends on prompt size), `config` for a `pricing:` override; null when unpriced or nothing to price.
   */
  priceSource: string | null;
  /** The rates applied, USD per million tokens (and per request): with the token counts they explain the cost. */
  priceRates: LinearRates | null;
  /**
   * USD the upstream itself reported the call cost (OpenRouter's `usage.cost`); null when it reported none.
   * `costUsd` stays Sluice's own price beside it; `pricing.preferBilled` settles budgets on this one.
   */
  billedCostUsd: number | null;
  latencyMs: number;
  /** Time to the first byte sent to the caller; null when nothing was sent. */
  timeToFirstByteMs: number | null;
  /** Upstream attempts made (tries of every target); 0 when the call was refused or served before any. */
  attempts: number;
  /** Served (or finally failed) by another target than the policy's first choice. */
  fallback: boolean;
  /** How long the call waited for a concurrency slot; null when it did not wait. */
  queueWaitMs: number | null;
  /** Every attempt in order; stored in `usage_attempts`, not in the row itself. */
  attemptTrail: AttemptRecord[];
  /**
   * The price list the call ran under (see `GatewayServices.pricingEpoch`): the writer thread prices the
   * row with it, so a call in flight across a pricing reload costs what it did when it started. Not stored.
   */
  pricingEpoch?: number;
}
