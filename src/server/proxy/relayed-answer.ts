import type { CachedAnswer } from '../../cache/response-cache.js';
import type { TokenUsage } from '../../domain/token-usage.js';
import type { UsageOutcome } from '../../domain/usage-row.js';
import type { RequestContext } from './request-context.js';

/**
 * What reached the caller from one upstream attempt, and what the answer said about itself: the relay
 * returns it, and `recordAnswer` is the one place it lands on the call (its row, headers and span).
 */
export interface RelayedAnswer {
  readonly kind: 'answered';
  readonly statusCode: number;
  readonly outcome: UsageOutcome;
  readonly errorCode: string | null;
  /** The provider's count (or Sluice's estimate of it); undefined when the answer carried none. */
  readonly usage: TokenUsage | undefined;
  readonly outputTokensEstimated: boolean;
  readonly inputTokensEstimated: boolean;
  readonly reportedModel: string | null;
  /** The answer's id and finish reasons as the provider reported them (for traces; not in the row). */
  readonly responseId: string | null;
  readonly finishReasons: string[] | null;
  /** `performance.now()` when the answer's first byte went to the caller; undefined when nothing was sent. */
  readonly firstByteAt: number | undefined;
  /**
   * The complete, successful answer, for whoever keeps it (the cache, a span capturing content); undefined
   * when the attempt asked for none (`Attempt.keepsAnswer`) or the answer must not be kept.
   */
  readonly complete: CachedAnswer['answer'] | undefined;
}

/** An answer that is only an error (the upstream's, or Sluice's in the caller's shape): no usage, nothing reported. */
export function errorAnswer(statusCode: number, outcome: UsageOutcome, errorCode: string | null, firstByteAt: number | undefined): RelayedAnswer {
  return {
    kind: 'answered',
    statusCode,
    outcome,
    errorCode,
    usage: undefined,
    outputTokensEstimated: false,
    inputTokensEstimated: false,
    reportedModel: null,
    responseId: null,
    finishReasons: null,
    firstByteAt,
    complete: undefined,
  };
}

/** What a whole answer that served said about itself (the fields of a successful `RelayedAnswer` that vary). */
export interface ServedAnswerFacts {
  statusCode: number;
  usage: TokenUsage | undefined;
  /** Sluice estimated the input tokens (an embeddings answer that reported none). */
  inputTokensEstimated?: boolean;
  reportedModel: string | null;
  responseId?: string | null;
  finishReasons?: string[] | null;
  firstByteAt: number;
  complete: CachedAnswer['answer'] | undefined;
}

/** A whole answer that served: outcome ok, the provider's own output count. */
export function servedAnswer(facts: ServedAnswerFacts): RelayedAnswer {
  return {
    kind: 'answered',
    statusCode: facts.statusCode,
    outcome: 'ok',
    errorCode: null,
    usage: facts.usage,
    outputTokensEstimated: false,
    inputTokensEstimated: facts.inputTokensEstimated ?? false,
    reportedModel: facts.reportedModel,
    responseId: facts.responseId ?? null,
    finishReasons: facts.finishReasons ?? null,
    firstByteAt: facts.firstByteAt,
    complete: facts.complete,
  };
}

/** Writes what an attempt's answer was onto the call: the one place a relay's outcome reaches the row. */
export function recordAnswer(context: RequestContext, answer: RelayedAnswer): void {
  context.statusCode = answer.statusCode;
  context.outcome = answer.outcome;
  context.errorCode = answer.errorCode;
  if (answer.usage !== undefined) context.usage = answer.usage;
  if (answer.outputTokensEstimated) context.outputTokensEstimated = true;
  if (answer.inputTokensEstimated) context.inputTokensEstimated = true;
  context.reportedModel = answer.reportedModel;
  context.responseId = answer.responseId;
  context.finishReasons = answer.finishReasons;
  if (answer.firstByteAt !== undefined) context.firstByteAt ??= answer.firstByteAt;
}
