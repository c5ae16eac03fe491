import type { Pricer } from './pricing.js';
import type { TokenUsage } from '../domain/token-usage.js';
import type { UsageRow } from '../domain/usage-row.js';

/**
 * Fills in a row's cost and where its price came from: the model the provider reported (often dated, so
 * more precise) else the one asked for. A row that already has a cost is left as it is.
 */
export function priceUsageRow(pricer: Pricer, pricingProviderIds: ReadonlyMap<string, string | undefined>, row: UsageRow): void {
  if (row.costUsd !== null) return;
  const model = row.reportedModel ?? row.upstreamModel;
  if (!row.provider || !model) return;
  const quote = pricer.quote({ provider: row.provider, pricingProviderId: pricingProviderIds.get(row.provider), model, usage: usageOf(row) });
  if (!quote) return;
  row.costUsd = quote.costUsd;
  row.priceSource = quote.source;
  row.priceRates = quote.rates;
}

/** The row's counts as the pricer reads them (the row's own `billedCostUsd` is nullable, a usage's optional). */
function usageOf(row: UsageRow): TokenUsage {
  return {
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    reasoningTokens: row.reasoningTokens,
    imageTokens: row.imageTokens,
  };
}
