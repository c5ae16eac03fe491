import type { CacheResult } from '../../../metrics/gateway-metrics.js';
import { settledCostOf } from '../call-cost.js';
import type { ModelCall } from '../model-call.js';
import { estimateUncountedInput, toUsageRow } from '../request-context.js';

/**
 * The last stage, whatever happened before: the usage row is queued first (nothing after it may keep a
 * call from being recorded) and counted in the metrics, then the limits and budgets the call holds are
 * settled to what it really used and cost, and its concurrency slots given back.
 */
export async function settleAndRecord(call: ModelCall): Promise<void> {
  const { services } = call;
  releaseUntriedProbe(call);
  estimateUncountedInput(call);
  const row = toUsageRow(call, performance.now(), services.pricingEpoch);
  // A captured call's request and answer go with its row to the writer thread, which redacts and seals them.
  if (call.capture === undefined) services.usageWriter.enqueue(row);
  else services.usageWriter.enqueue(row, call.capture.finish(row.statusCode));
  services.metrics.recordCall(row, cacheResultOf(call));
  call.trace?.end(call);
  if (!call.admission) return;
  await call.admission
    .finish({
      tokens: call.usage.inputTokens + call.usage.outputTokens,
      costUsd: call.admission.holdsBudget ? settledCostOf(call) : 0,
    })
    .catch((error: unknown) => services.logger.error({ err: error, requestId: call.id }, 'settling limits and budgets failed'));
}

/** A half-open target this call claimed but never tried is free for another call to probe. */
function releaseUntriedProbe(call: ModelCall): void {
  const plan = call.probeClaim;
  const probe = plan?.probe;
  if (plan === undefined || probe === undefined) return;
  if (!call.attemptTrail.some((attempt) => attempt.target === probe.id)) void call.services.router.reportAttempt(plan, probe, { kind: 'abandoned' });
}

/** Only calls that looked the cache up count: `refresh` skips the lookup, and calls refused earlier never reach it. */
function cacheResultOf(call: ModelCall): CacheResult {
  if (call.cached) return 'hit';
  return call.cache?.mode === 'use' ? 'miss' : undefined;
}
