import type { CachedAnswer } from '../../../cache/response-cache.js';
import { GatewayError } from '../../../errors/gateway-error.js';
import { attemptFailureOf, type AttemptFailure } from '../../../routing/classify-attempt-failure.js';
import { retryDelayMs } from '../../../routing/retry-delay.js';
import type { RoutePlan } from '../../../routing/router.js';
import type { RouteTarget } from '../../../domain/route-target.js';
import { cappedTimeouts } from '../../../upstream/capped-timeouts.js';
import { classifyUpstreamFailure } from '../../../upstream/upstream-client.js';
import type { CallTimeouts } from '../../../domain/timeouts.js';
import { Attempt } from '../attempt.js';
import { costOf } from '../call-cost.js';
import type { AdmittedCall } from '../call-phases.js';
import type { ModelCall } from '../model-call.js';
import { upstreamPlanFor } from '../plan-upstream-request.js';
import { relayUpstreamResponse, type FailedBeforeContent } from '../relay-upstream-response.js';
import { recordAnswer, type RelayedAnswer } from '../relayed-answer.js';
import type { UpstreamPlan } from '../upstream-plan.js';

/** How one attempt ended: it served the caller, or it failed before anything reached the caller. */
type AttemptResult =
  | { kind: 'served' }
  | { kind: 'failed'; failure: AttemptFailure; elapsedMs: number; answerWithError: () => RelayedAnswer };

/**
 * Stage 9 — the attempt loop: the route's candidates in order, each tried up to the group's `retry.attempts`
 * times on retryable failures (honouring `retry-after` up to `maxRetryAfterMs`, else a backoff), failing over
 * to the next candidate when the failure is the target's (429, 5xx, 529, timeouts, connection errors, a
 * stream cut or erroring before its first content, a missed `timeToFirstTokenMs`), never when it is the
 * request's (400, 404, 413, 422…); a timeout is retried on the same target only under `retry.timeouts`.
 * Each attempt runs on its target's clocks (first byte and idle in undici, the total on a timer of its own),
 * lowered to the caller's ceiling when the key, user or team sets one. Until the first content reaches the
 * caller every failure is invisible to it; after that the answer is committed and a failure ends it in-band.
 * Every attempt is recorded, and its outcome fed to the router's cooldowns and latency estimates. What the
 * caller got lands on the call in one place, `recordAnswer`.
 */
export async function callUpstream(call: ModelCall, admitted: AdmittedCall): Promise<void> {
  const { services } = call;
  const { parsed, plan: routePlan } = admitted;
  const { candidates } = routePlan;
  const credential = parsed.caller.callerProviderKey !== undefined ? 'caller' : 'gateway';
  let upstreamPlan = admitted.first;
  for (let index = 0; index < candidates.length; index++) {
    const lastTarget = index === candidates.length - 1;
    if (index > 0) {
      const target = candidates[index]!;
      call.target = target;
      call.fallback = true;
      try {
        upstreamPlan = upstreamPlanFor(call, parsed, target);
      } catch (error) {
        // This target cannot take the request (no key, nothing to translate to): the next one may.
        recordUnplannable(call, target, error);
        if (lastTarget) throw error;
        continue;
      }
    }
    const { target } = upstreamPlan;
    for (let tryNumber = 1; ; tryNumber++) {
      const lastChance = lastTarget && tryNumber >= routePlan.retry.attempts;
      const attempt = startAttempt(call, admitted, upstreamPlan, !lastChance);
      const result = await runAttempt(call, attempt);
      if (result.kind === 'served') {
        void services.router.reportAttempt(routePlan, target, { kind: 'success', timeToFirstByteMs: attempt.timeToFirstByteMs });
        return;
      }
      const classification = services.router.classify(routePlan, target, result.failure, credential);
      attempt.record.retryAfterMs = classification.retryAfterMs ?? null;
      void services.router.reportAttempt(routePlan, target, { kind: 'failure', failure: result.failure, classification, elapsedMs: result.elapsedMs });
      if (call.signal.aborted) throw call.signal.reason;
      if (classification.retrySameTarget && tryNumber < routePlan.retry.attempts) {
        const delay = retryDelayMs({ retryAfterMs: classification.retryAfterMs, retriesDone: tryNumber - 1, maxRetryAfterMs: routePlan.retry.maxRetryAfterMs });
        await services.retryPause(delay, call.signal);
        continue;
      }
      if (classification.failOver && !lastTarget) break;
      // No other attempt will be made: the caller gets this failure after all.
      recordAnswer(call, result.answerWithError());
      return;
    }
  }
}

/** Makes one try of the plan's target: its record joins the call's trail, its span starts. */
function startAttempt(call: ModelCall, admitted: AdmittedCall, plan: UpstreamPlan, canFailOver: boolean): Attempt {
  const { target } = plan;
  const deadlineMs = canFailOver && call.stream ? admitted.plan.timeToFirstTokenMs : undefined;
  const attemptTrace = call.trace?.startAttempt(call, target, admitted.parsed);
  const keepsAnswer = call.cache !== undefined || attemptTrace?.recordAnswer !== undefined;
  const attempt = new Attempt(plan, admitted.parsed, timeoutsOf(call, target, admitted.timeoutCeiling), canFailOver, deadlineMs, keepsAnswer);
  attempt.trace = attemptTrace;
  call.attemptTrail.push(attempt.record);
  call.imageCount = plan.imageCount;
  return attempt;
}

/** One try of one target, up to the first content (or the end of a whole answer). */
async function runAttempt(call: ModelCall, attempt: Attempt): Promise<AttemptResult> {
  const { services, signal } = call;
  const { record, plan } = attempt;
  // What the attempt threw, if it threw: how its span ends when the record says nothing.
  let thrown: unknown;
  const abortUpstream = () => attempt.upstreamAbort.abort();
  signal.once('abort', abortUpstream);
  try {
    // A caller already gone is not worth a provider call (nor the estimate of one in its row).
    if (signal.aborted) throw signal.reason;
    call.sentUpstream = true;
    let upstream;
    try {
      const parts = attempt.trace === undefined ? plan.parts : attempt.trace.withPropagation(plan.parts);
      upstream = await services.upstream.send({ ...parts, signal: attempt.upstreamAbort, timeouts: attempt.timeouts });
    } catch (error) {
      if (signal.aborted) throw error;
      return failedBeforeSending(call, attempt, error);
    }
    record.statusCode = upstream.statusCode;
    const outcome = await relayUpstreamResponse({ call, attempt, upstream });
    if (outcome.kind === 'failed') return failed(attempt, outcome);
    recordAnswer(call, outcome);
    if (outcome.complete !== undefined) keepAnswer(call, attempt, outcome.complete);
    return served;
  } catch (error) {
    thrown = error;
    // Failures the relay threw before anything reached the caller (a body cut while read, one that is not JSON).
    if (signal.aborted || call.response.headersSent || !attempt.canFailOver) throw error;
    return failedBeforeSending(call, attempt, error);
  } finally {
    signal.off('abort', abortUpstream);
    attempt.finish();
    attempt.trace?.end(call, record, thrown);
  }
}

const served: AttemptResult = { kind: 'served' };

/** An attempt that failed before the caller saw anything: the record says why, the loop decides what follows. */
function failed(attempt: Attempt, outcome: Pick<FailedBeforeContent, 'failure' | 'errorCode' | 'answerWithError'>): AttemptResult {
  const { deadlineMissed } = attempt;
  attempt.record.errorCode = deadlineMissed ? 'time_to_first_token_exceeded' : outcome.errorCode;
  return {
    kind: 'failed',
    failure: deadlineMissed ? { kind: 'timeout' } : outcome.failure,
    elapsedMs: performance.now() - attempt.startedAt,
    answerWithError: outcome.answerWithError,
  };
}

/** The upstream could not be asked, or its answer not read: classified as the target's failure (or a missed deadline). */
function failedBeforeSending(call: ModelCall, attempt: Attempt, error: unknown): AttemptResult {
  const { target } = attempt;
  const classified = attempt.deadlineMissed
    ? missedDeadline(target, attempt.deadlineMs)
    : classifyUpstreamFailure(error, target.provider.name, 'request', attempt.timeouts);
  return failed(attempt, {
    failure: attemptFailureOf(classified),
    errorCode: classified.reason ?? classified.code,
    answerWithError: () => {
      throw classified;
    },
  });
}

/** The target's clocks for this kind of call, lowered to the caller's ceiling (allocating only when one is set). */
function timeoutsOf(call: ModelCall, target: RouteTarget, ceiling: AdmittedCall['timeoutCeiling']): CallTimeouts {
  const timeouts = call.stream ? target.timeouts.stream : target.timeouts.whole;
  return ceiling === undefined ? timeouts : cappedTimeouts(timeouts, ceiling);
}

function missedDeadline(target: RouteTarget, deadlineMs: RoutePlan['timeToFirstTokenMs']): GatewayError {
  return new GatewayError('upstream_timeout', `The upstream provider '${target.provider.name}' sent no first token within ${deadlineMs} ms.`);
}

/** A fallback target that could not even be asked: recorded, so the trail explains why it was skipped. */
function recordUnplannable(call: ModelCall, target: RouteTarget, error: unknown): void {
  call.attemptTrail.push({
    target: target.id,
    provider: target.provider.name,
    model: target.upstreamModel,
    statusCode: null,
    errorCode: error instanceof GatewayError ? error.code : 'internal_error',
    retryAfterMs: null,
    timeToFirstByteMs: null,
    durationMs: 0,
  });
}

/**
 * A complete answer goes to who keeps it, once the call says what it was: the cache when the caller asked for
 * it (with what it cost, recorded as saved on every hit), the attempt's span when it captures content.
 */
function keepAnswer(call: ModelCall, attempt: Attempt, answer: CachedAnswer['answer']): void {
  const { cache, services } = call;
  if (cache) {
    const entry: CachedAnswer = { answer, reportedModel: call.reportedModel, costUsd: costOf(call), storedAt: Date.now() };
    void services.responseCache.set(cache.key, entry, cache.ttlMs).catch((error: unknown) => {
      services.logger.warn({ err: error }, 'storing a cached answer failed');
    });
  }
  attempt.trace?.recordAnswer?.(answer);
}
