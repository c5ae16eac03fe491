import type { Pricer } from './pricing.js';
import type { UsageRow } from './usage-row.js';

/** A row's cost: the model the provider reported (often dated, so more precise) else the one asked for. */
export function priceUsageRow(
  pricer: Pricer,
  pricingProviderIds: ReadonlyMap<string, string | undefined>,
  row: UsageRow,
): number | null {
  const model = row.reportedModel ?? row.upstreamModel;
  if (!row.provider || !model) return null;
  return pricer.price({ provider: row.provider, pricingProviderId: pricingProviderIds.get(row.provider), model, usage: row });
}
