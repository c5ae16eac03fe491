import type { CachedAnswer } from '../../../cache/response-cache.js';
import { GatewayError } from '../../../errors/gateway-error.js';
import { attemptFailureOf, type AttemptFailure } from '../../../routing/classify-attempt-failure.js';
import { retryDelayMs } from '../../../routing/retry-delay.js';
import type { RouteTarget } from '../../../domain/route-target.js';
import { cappedTimeouts } from '../../../upstream/capped-timeouts.js';
import { classifyUpstreamFailure } from '../../../upstream/upstream-client.js';
import { upstreamTimeoutError } from '../../../upstream/upstream-timeout-error.js';
import type { CallTimeouts } from '../../../domain/timeouts.js';
import type { AttemptTrace } from '../../../telemetry/tracing.js';
import type { AttemptRecord } from '../../../domain/attempt-record.js';
import { answerHeadersOf } from '../answer-headers.js';
import { ClientAbort } from '../client-abort.js';
import type { ModelCall } from '../model-call.js';
import { relayUpstreamResponse } from '../relay-upstream-response.js';
import { upstreamPlanFor } from './plan-upstream-call.js';
import { setTarget } from './resolve-target.js';
import { costOf } from './settle-and-record.js';

/** How one attempt ended: it served the caller, or it failed before anything reached the caller. */
type AttemptResult =
  | { kind: 'served'; timeToFirstByteMs: number }
  | { kind: 'failed'; failure: AttemptFailure; elapsedMs: number; answerWithError: () => void };

/**
 * Stage 8 — the attempt loop: the route's candidates in order, each tried up to the group's `retry.attempts`
 * times on retryable failures (honouring `retry-after` up to `maxRetryAfterMs`, else a backoff), failing over
 * to the next candidate when the failure is the target's (429, 5xx, 529, timeouts, connection errors, a
 * stream cut or erroring before its first content, a missed `timeToFirstTokenMs`), never when it is the
 * request's (400, 404, 413, 422…); a timeout is retried on the same target only under `retry.timeouts`.
 * Each attempt runs on its target's clocks (first byte and idle in undici, the total on a timer of its own),
 * lowered to the caller's ceiling when the key, user or team sets one. Until the first content reaches the
 * caller every failure is invisible to it; after that the answer is committed and a failure ends it in-band.
 * Every attempt is recorded, and its outcome fed to the router's cooldowns and latency estimates.
 */
export async function callUpstream(call: ModelCall): Promise<void> {
  const { services } = call;
  const routePlan = call.routePlan!;
  const { candidates } = routePlan;
  const credential = call.caller!.callerProviderKey !== undefined ? 'caller' : 'gateway';
  for (let index = 0; index < candidates.length; index++) {
    const target = candidates[index]!;
    const lastTarget = index === candidates.length - 1;
    if (index > 0) {
      setTarget(call, target);
      call.fallback = true;
      try {
        call.plan = upstreamPlanFor(call, target);
      } catch (error) {
        // This target cannot take the request (no key, nothing to translate to): the next one may.
        recordUnplannable(call, target, error);
        if (lastTarget) throw error;
        continue;
      }
    }
    for (let tryNumber = 1; ; tryNumber++) {
      const lastChance = lastTarget && tryNumber >= routePlan.retry.attempts;
      const result = await attempt(call, target, !lastChance);
      if (result.kind === 'served') {
        void services.router.reportAttempt(routePlan, target, { kind: 'success', timeToFirstByteMs: result.timeToFirstByteMs });
        return;
      }
      const classification = services.router.classify(routePlan, target, result.failure, credential);
      call.attemptTrail.at(-1)!.retryAfterMs = classification.retryAfterMs ?? null;
      void services.router.reportAttempt(routePlan, target, { kind: 'failure', failure: result.failure, classification, elapsedMs: result.elapsedMs });
      if (call.signal.aborted) throw call.signal.reason;
      if (classification.retrySameTarget && tryNumber < routePlan.retry.attempts) {
        const delay = retryDelayMs({ retryAfterMs: classification.retryAfterMs, retriesDone: tryNumber - 1, maxRetryAfterMs: routePlan.retry.maxRetryAfterMs });
        await services.retryPause(delay, call.signal);
        continue;
      }
      if (classification.failOver && !lastTarget) break;
      // No other attempt will be made: the caller gets this failure after all.
      result.answerWithError();
      return;
    }
  }
}

/** One try of one target, up to the first content (or the end of a whole answer). */
async function attempt(call: ModelCall, target: RouteTarget, canFailOver: boolean): Promise<AttemptResult> {
  const { services, signal } = call;
  const plan = call.plan!;
  call.imageCount = plan.imageCount;
  const startedAt = performance.now();
  const record: AttemptRecord = {
    target: target.id,
    provider: target.provider.name,
    model: target.upstreamModel,
    statusCode: null,
    errorCode: null,
    retryAfterMs: null,
    timeToFirstByteMs: null,
    durationMs: 0,
  };
  call.attemptTrail.push(record);
  const attemptTrace = call.trace?.startAttempt(call, target);
  // What the attempt threw, if it threw: how its span ends when the record says nothing.
  let thrown: unknown;
  // The attempt's own abort: the caller leaving, or a stream missing its time-to-first-token deadline.
  const upstreamAbort = new ClientAbort();
  const abortUpstream = () => upstreamAbort.abort();
  signal.once('abort', abortUpstream);
  const timeouts = timeoutsOf(call, target);
  // The total clock runs until the answer ends, past the first byte: a stream that outlasts it is ended in-band.
  const totalMs = timeouts.totalMs;
  const totalClock =
    totalMs === undefined ? undefined : setTimeout(() => upstreamAbort.abort(upstreamTimeoutError(target.provider.name, 'total', totalMs)), totalMs);
  const deadlineMs = canFailOver && call.stream ? call.routePlan!.timeToFirstTokenMs : undefined;
  let deadlineMissed = false;
  const deadline =
    deadlineMs === undefined
      ? undefined
      : setTimeout(() => {
          deadlineMissed = true;
          upstreamAbort.abort();
        }, deadlineMs);
  let timeToFirstByteMs = 0;
  const onCommit = () => {
    clearTimeout(deadline);
    timeToFirstByteMs = round(performance.now() - startedAt);
    record.timeToFirstByteMs = timeToFirstByteMs;
  };
  const failed = (failure: AttemptFailure, errorCode: string, answerWithError: () => void): AttemptResult => {
    const missed: AttemptFailure = deadlineMissed ? { kind: 'timeout' } : failure;
    record.errorCode = deadlineMissed ? 'time_to_first_token_exceeded' : errorCode;
    return { kind: 'failed', failure: missed, elapsedMs: performance.now() - startedAt, answerWithError };
  };

  try {
    // A caller already gone is not worth a provider call (nor the estimate of one in its row).
    if (signal.aborted) throw signal.reason;
    call.sentUpstream = true;
    let upstream;
    try {
      const parts = attemptTrace === undefined ? plan.parts : attemptTrace.withPropagation(plan.parts);
      upstream = await services.upstream.send({ ...parts, signal: upstreamAbort, timeouts });
    } catch (error) {
      if (signal.aborted) throw error;
      const classified = deadlineMissed ? missedDeadline(call, target) : classifyUpstreamFailure(error, target.provider.name, 'request', timeouts);
      return failed(attemptFailureOf(classified), classified.reason ?? classified.code, () => {
        throw classified;
      });
    }
    record.statusCode = upstream.statusCode;
    const outcome = await relayUpstreamResponse({
      context: call,
      upstream,
      response: call.response,
      sluiceHeaders: () => answerHeadersOf(call),
      signal,
      canFailOver,
      onCommit,
      removeInjectedUsageChunk: plan.removeInjectedUsageChunk,
      translation: plan.translation,
      timeouts,
      storeInCache: answerKeeperOf(call, attemptTrace),
      embeddings: plan.embeddings,
    });
    if (outcome.kind === 'answered') return { kind: 'served', timeToFirstByteMs };
    return failed(outcome.failure, outcome.errorCode, outcome.answerWithError);
  } catch (error) {
    thrown = error;
    // Failures the relay threw before anything reached the caller (a body cut while read, one that is not JSON).
    if (signal.aborted || call.response.headersSent || !canFailOver) throw error;
    const classified = deadlineMissed ? missedDeadline(call, target) : classifyUpstreamFailure(error, target.provider.name, 'request', timeouts);
    return failed(attemptFailureOf(classified), classified.reason ?? classified.code, () => {
      throw classified;
    });
  } finally {
    clearTimeout(deadline);
    clearTimeout(totalClock);
    signal.off('abort', abortUpstream);
    record.durationMs = round(performance.now() - startedAt);
    attemptTrace?.end(call, record, thrown);
  }
}

/** The target's clocks for this kind of call, lowered to the caller's ceiling (allocating only when one is set). */
function timeoutsOf(call: ModelCall, target: RouteTarget): CallTimeouts {
  const timeouts = call.stream ? target.timeouts.stream : target.timeouts.whole;
  return call.timeoutCeiling === undefined ? timeouts : cappedTimeouts(timeouts, call.timeoutCeiling);
}

function missedDeadline(call: ModelCall, target: RouteTarget): GatewayError {
  return new GatewayError(
    'upstream_timeout',
    `The upstream provider '${target.provider.name}' sent no first token within ${call.routePlan!.timeToFirstTokenMs} ms.`,
  );
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
 * Who keeps a complete answer: the cache when the caller asked for it, the attempt's span when it captures
 * content; nobody (undefined, so nothing is recorded) otherwise.
 */
function answerKeeperOf(call: ModelCall, attemptTrace: AttemptTrace | undefined): ((answer: CachedAnswer['answer']) => void) | undefined {
  const recordAnswer = attemptTrace?.recordAnswer;
  if (!call.cache) return recordAnswer;
  if (!recordAnswer) return (answer) => storeAnswer(call, answer);
  return (answer) => {
    storeAnswer(call, answer);
    recordAnswer(answer);
  };
}

/** Keeps a successful answer for later hits, with what it cost (recorded as saved on every hit). */
function storeAnswer(call: ModelCall, answer: CachedAnswer['answer']): void {
  if (!call.cache) return;
  const { services } = call;
  const entry: CachedAnswer = { answer, reportedModel: call.reportedModel, costUsd: costOf(call), storedAt: Date.now() };
  void services.responseCache.set(call.cache.key, entry, call.cache.ttlMs).catch((error: unknown) => {
    services.logger.warn({ err: error }, 'storing a cached answer failed');
  });
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 1000) / 1000;
}
