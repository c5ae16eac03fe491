import type { Dialect } from '../../dialects/dialect.js';
import type { Operation } from '../../domain/operation.js';
import type { CacheMode } from '../../cache/cache-request.js';
import type { Admission } from '../../policy/admission.js';
import type { Caller } from '../../policy/authenticate.js';
import type { RouteTarget } from '../../domain/route-target.js';
import type { Concealment } from './conceal-private-target.js';
import type { AttemptRecord } from '../../domain/attempt-record.js';
import { emptyUsage, type TokenUsage } from '../../domain/token-usage.js';
import type { UsageOutcome, UsageRow } from '../../domain/usage-row.js';

/**
 * What a request's usage row (and its answer headers and span) is made of: filled in as the stages learn
 * it, and read once the call is settled. Stages pass what they found to the next stage as typed values
 * (`call-phases.ts`); only the facts the row, the headers or the settlement read are kept here, each with
 * the value it has when the call ends before anyone learned it (a row's columns are nullable for that).
 */
export interface RequestContext {
  id: string;
  createdAt: number;
  /** `performance.now()` at arrival, for latencies. */
  startedAt: number;
  dialect: Dialect;
  operation: Operation;
  caller: Caller | undefined;
  requester: string | null;
  tags: string[];
  /** The evaluation run and trial (`x-sluice-run`, `x-sluice-trial`, tags, the key's run); null when none. */
  runId: string | null;
  trialId: string | null;
  requestedModel: string | null;
  /** The model group the requested name resolved to; null for a plain model. */
  groupName: string | null;
  /** The group's routing policy; null for a plain model. */
  policy: string | null;
  /**
   * The target the answer names (its provider and model, in the row and the headers): the route's first
   * candidate once resolved, then the attempt being tried. Undefined until the model name resolved.
   */
  target: RouteTarget | undefined;
  /** What the caller must not be told about the route's private targets; null when it has none. */
  concealment: Concealment | null;
  reportedModel: string | null;
  /** The answer's id and finish reasons as the provider reported them (for traces; not in the row). */
  responseId: string | null;
  finishReasons: string[] | null;
  stream: boolean;
  statusCode: number;
  outcome: UsageOutcome;
  errorCode: string | null;
  usage: TokenUsage;
  /** Images in the body sent upstream for the attempt that served (or was tried last); see Dialect.countImages. */
  imageCount: number;
  outputTokensEstimated: boolean;
  inputTokensEstimated: boolean;
  /** Estimates the prompt's tokens from the request, for calls cut before the provider counted them (set once parsed). */
  estimateInputTokens: () => number;
  /** The request went to the provider, so it may have cost something even without a count. */
  sentUpstream: boolean;
  firstByteAt: number | undefined;
  /** Set when the caller asked for the response cache. */
  cache: { key: string; ttlMs: number; mode: CacheMode } | undefined;
  cached: boolean;
  /** The caller asked for the cache and a `cache.rules` entry with `mode: off` refused it: answered `x-sluice-cache: BYPASS`. */
  cacheBypassed: boolean;
  savedCostUsd: number | null;
  /** Rate limits and concurrency slots this request holds, once admitted. */
  admission: Admission | undefined;
  /** What a translation could not carry over; sent as `x-sluice-warning`. */
  warnings: string[];
  /** One record per upstream attempt, pushed by the attempt loop in order; its length is the row's `attempts`. */
  attemptTrail: AttemptRecord[];
  /** Served by another target than the policy's first choice. */
  fallback: boolean;
  /** Time spent waiting for a concurrency slot; null when the call did not wait. */
  queueWaitMs: number | null;
}

export function createRequestContext(id: string, dialect: Dialect, startedAt: number, operation: Operation = 'chat'): RequestContext {
  return {
    id,
    createdAt: Date.now(),
    startedAt,
    dialect,
    operation,
    caller: undefined,
    requester: null,
    tags: [],
    runId: null,
    trialId: null,
    requestedModel: null,
    groupName: null,
    policy: null,
    target: undefined,
    concealment: null,
    reportedModel: null,
    responseId: null,
    finishReasons: null,
    stream: false,
    statusCode: 200,
    outcome: 'ok',
    errorCode: null,
    usage: emptyUsage(),
    imageCount: 0,
    outputTokensEstimated: false,
    inputTokensEstimated: false,
    estimateInputTokens: noEstimate,
    sentUpstream: false,
    firstByteAt: undefined,
    warnings: [],
    admission: undefined,
    cache: undefined,
    cached: false,
    cacheBypassed: false,
    savedCostUsd: null,
    attemptTrail: [],
    fallback: false,
    queueWaitMs: null,
  };
}

/** Before the body is parsed there is nothing to estimate. */
function noEstimate(): number {
  return 0;
}

/**
 * A call the provider received but never counted (cancelled, cut mid-stream, or a provider that reports
 * no usage) still cost its prompt: estimate it. Calls the provider refused cost nothing.
 */
export function estimateUncountedInput(context: RequestContext): void {
  const providerMayHaveCharged = context.outcome !== 'error' || context.errorCode === 'upstream_stream_interrupted';
  if (!context.sentUpstream || context.usage.inputTokens > 0 || !providerMayHaveCharged) return;
  const estimate = context.estimateInputTokens();
  if (estimate === 0) return;
  context.usage = { ...context.usage, inputTokens: estimate };
  context.inputTokensEstimated = true;
}

/** `pricingEpoch`: the price list of the services the request was served with. */
export function toUsageRow(context: RequestContext, finishedAt: number, pricingEpoch: number): UsageRow {
  const key = context.caller?.key;
  return {
    id: context.id,
    createdAt: context.createdAt,
    keyId: key?.id ?? null,
    userName: key?.userName ?? null,
    teamName: key?.teamName ?? null,
    requester: context.requester,
    tags: context.tags,
    runId: context.runId,
    trialId: context.trialId,
    inboundDialect: context.dialect.name,
    operation: context.operation,
    provider: context.target?.provider.name ?? null,
    requestedModel: context.requestedModel,
    groupName: context.groupName,
    policy: context.policy,
    upstreamModel: context.target?.upstreamModel ?? null,
    reportedModel: context.reportedModel,
    stream: context.stream,
    callerProviderKey: context.caller?.callerProviderKey !== undefined,
    statusCode: context.statusCode,
    outcome: context.outcome,
    errorCode: context.errorCode,
    inputTokens: context.usage.inputTokens,
    outputTokens: context.usage.outputTokens,
    cacheReadTokens: context.usage.cacheReadTokens,
    cacheWriteTokens: context.usage.cacheWriteTokens,
    reasoningTokens: context.usage.reasoningTokens,
    imageCount: context.imageCount,
    imageTokens: context.usage.imageTokens ?? 0,
    outputTokensEstimated: context.outputTokensEstimated,
    inputTokensEstimated: context.inputTokensEstimated,
    cached: context.cached,
    savedCostUsd: context.savedCostUsd,
    costUsd: null,
    priceSource: null,
    priceRates: null,
    billedCostUsd: context.usage.billedCostUsd ?? null,
    latencyMs: round(finishedAt - context.startedAt),
    timeToFirstByteMs: context.firstByteAt === undefined ? null : round(context.firstByteAt - context.startedAt),
    attempts: context.attemptTrail.length,
    fallback: context.fallback,
    queueWaitMs: context.queueWaitMs === null ? null : round(context.queueWaitMs),
    attemptTrail: context.attemptTrail,
    pricingEpoch,
  };
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 1000) / 1000;
}
