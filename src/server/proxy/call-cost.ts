import type { ModelCall } from './model-call.js';

/** Sluice's own price of a finished call (its row's `cost_usd`): for the cache's "saved" and the call's span. */
export function costOf(call: ModelCall): number {
  const { target } = call;
  if (!target || !target.upstreamModel) return 0;
  return (
    call.services.pricer.price({
      provider: target.provider.name,
      pricingProviderId: target.provider.pricingProviderId,
      model: call.reportedModel ?? target.upstreamModel,
      usage: call.usage,
    }) ?? 0
  );
}

/** What a finished call's budget reservation settles on: its billed cost under `pricing.preferBilled`, else its price. */
export function settledCostOf(call: ModelCall): number {
  const { target } = call;
  if (!target || !target.upstreamModel) return 0;
  return call.services.pricer.settledCostUsd({
    provider: target.provider.name,
    pricingProviderId: target.provider.pricingProviderId,
    model: call.reportedModel ?? target.upstreamModel,
    usage: call.usage,
  });
}
