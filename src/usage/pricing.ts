import { calcPrice } from '@pydantic/genai-prices';
import type { PriceOverride } from '../config/config-schema.js';
import type { TokenUsage } from './token-usage.js';

export interface PriceQuery {
  provider: string;
  /** Catalogue provider id (`anthropic`, `openai`…); undefined for self-hosted servers. */
  pricingProviderId: string | undefined;
  model: string;
  usage: TokenUsage;
}

/**
 * Prices usage from the maintained genai-prices catalogue, with config overrides (keyed `provider:model`
 * or `model`) taking precedence. Returns null when no price is known: a missing price never blocks traffic.
 */
export class Pricer {
  readonly #overrides: Readonly<Record<string, PriceOverride>>;

  constructor(overrides: Readonly<Record<string, PriceOverride>>) {
    this.#overrides = overrides;
  }

  price(query: PriceQuery): number | null {
    const override = this.#overrides[`${query.provider}:${query.model}`] ?? this.#overrides[query.model];
    if (override) return priceWithOverride(override, query.usage);
    if (query.usage.inputTokens === 0 && query.usage.outputTokens === 0) return 0;
    try {
      const result = calcPrice(
        {
          input_tokens: query.usage.inputTokens,
          output_tokens: query.usage.outputTokens,
          cache_read_tokens: query.usage.cacheReadTokens,
          cache_write_tokens: query.usage.cacheWriteTokens,
        },
        query.model,
        query.pricingProviderId ? { providerId: query.pricingProviderId } : {},
      );
      return result ? roundUsd(result.total_price) : null;
    } catch {
      // Inconsistent counts from a misbehaving upstream must not lose the row.
      return null;
    }
  }
}

function priceWithOverride(price: PriceOverride, usage: TokenUsage): number {
  const uncachedInput = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
  const total =
    uncachedInput * price.inputPerMillion +
    usage.cacheReadTokens * (price.cacheReadPerMillion ?? price.inputPerMillion) +
    usage.cacheWriteTokens * (price.cacheWritePerMillion ?? price.inputPerMillion) +
    usage.outputTokens * price.outputPerMillion;
  return roundUsd(total / 1_000_000);
}

/** Twelve decimals keep micro-dollar sums exact enough without float noise in reports. */
function roundUsd(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}
