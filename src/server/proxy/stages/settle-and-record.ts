import type { ModelCall } from '../model-call.js';
import { estimateUncountedInput, toUsageRow } from '../request-context.js';

/**
 * The last stage, whatever happened before: the usage row is queued first (nothing after it may keep a
 * call from being recorded), then the limits and budgets the call holds are settled to what it really
 * used and cost, and its concurrency slots given back.
 */
export async function settleAndRecord(call: ModelCall): Promise<void> {
  const { services } = call;
  const probe = call.routePlan?.probe;
  // A half-open target this call claimed but never tried is free for another call to probe.
  if (probe && !call.attemptTrail.some((attempt) => attempt.target === probe.id)) {
    void services.router.reportAttempt(call.routePlan!, probe, { kind: 'abandoned' });
  }
  estimateUncountedInput(call);
  services.usageWriter.enqueue(toUsageRow(call, performance.now(), services.pricingEpoch));
  call.trace?.end(call);
  if (!call.admission) return;
  await call.admission
    .finish({
      tokens: call.usage.inputTokens + call.usage.outputTokens,
      costUsd: call.admission.holdsBudget ? costOf(call) : 0,
    })
    .catch((error: unknown) => services.logger.error({ err: error, requestId: call.id }, 'settling limits and budgets failed'));
}

/** The real cost of a finished call, for settling its budget reservation and for the cache's "saved". */
export function costOf(call: ModelCall): number {
  if (!call.provider || !call.upstreamModel) return 0;
  return (
    call.services.pricer.price({
      provider: call.provider.name,
      pricingProviderId: call.provider.pricingProviderId,
      model: call.reportedModel ?? call.upstreamModel,
      usage: call.usage,
    }) ?? 0
  );
}
