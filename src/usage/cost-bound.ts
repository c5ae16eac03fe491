import { calcPrice } from '@pydantic/genai-prices';
import type { PriceOverride } from '../config/config-schema.js';

interface Rates {
  inputPerToken: number;
  outputPerToken: number;
}

const probeTokens = 10_000_000;

/**
 * The most a call could cost, for budget reservations before the call. Rates are the model's highest
 * (the top context tier), looked up once per model: a reservation must never be below the real cost.
 * Unknown prices reserve nothing, since a missing price never blocks traffic.
 */
export class CostBound {
  /** A Map: model names come from callers (see Pricer). */
  readonly #overrides: ReadonlyMap<string, PriceOverride>;
  readonly #rates = new Map<string, Rates | null>();

  constructor(overrides: Readonly<Record<string, PriceOverride>>) {
    this.#overrides = new Map(Object.entries(overrides));
  }

  maximumCostUsd(options: { provider: string; pricingProviderId: string | undefined; model: string; inputTokens: number; maxOutputTokens: number }): number {
    const rates = this.#ratesFor(options.provider, options.pricingProviderId, options.model);
    if (!rates) return 0;
    return options.inputTokens * rates.inputPerToken + options.maxOutputTokens * rates.outputPerToken;
  }

  #ratesFor(provider: string, pricingProviderId: string | undefined, model: string): Rates | null {
    const cacheKey = `${provider}:${model}`;
    if (this.#rates.has(cacheKey)) return this.#rates.get(cacheKey) ?? null;
    const override = this.#overrides.get(cacheKey) ?? this.#overrides.get(model);
    let rates: Rates | null = null;
    if (override) {
      const input = Math.max(override.inputPerMillion, override.cacheReadPerMillion ?? 0, override.cacheWritePerMillion ?? 0);
      rates = { inputPerToken: input / 1e6, outputPerToken: override.outputPerMillion / 1e6 };
    } else {
      try {
        const options = pricingProviderId ? { providerId: pricingProviderId } : {};
        const inputOnly = calcPrice({ input_tokens: probeTokens, output_tokens: 0 }, model, options);
        const both = calcPrice({ input_tokens: probeTokens, output_tokens: probeTokens }, model, options);
        if (inputOnly && both) {
          // Cache writes can cost more than plain input: reserve at the dearer of the two.
          const writes = calcPrice({ input_tokens: probeTokens, cache_write_tokens: probeTokens, output_tokens: 0 }, model, options);
          // Image tokens too, where the catalogue prices them above text.
          const images = calcPrice({ input_tokens: probeTokens, input_image_tokens: probeTokens, output_tokens: 0 }, model, options);
          const inputPrice = Math.max(inputOnly.total_price, writes?.total_price ?? 0, images?.total_price ?? 0);
          rates = { inputPerToken: inputPrice / probeTokens, outputPerToken: (both.total_price - inputOnly.total_price) / probeTokens };
        }
      } catch {
        rates = null;
      }
    }
    this.#rates.set(cacheKey, rates);
    return rates;
  }
}
