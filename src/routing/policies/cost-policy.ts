import type { Pricer } from '../../usage/pricing.js';
import type { RouteTarget } from '../../domain/route-target.js';
import type { PolicyContext, RoutingPolicy } from './routing-policy.js';
import { sortTargetsBy } from './sort-targets-by.js';

/** Output tokens assumed for a request that sets no maximum. */
export const assumedOutputTokens = 1_000;
/** Rates are read off at a typical prompt size, so a tiered model is priced at the tier most calls land in. */
const probeTokens = 10_000;
const ratesLifetimeMs = 60 * 60_000;

interface TargetRates {
  /** USD per token; null when neither the catalogue nor `pricing:` knows the model. */
  input: number | null;
  output: number | null;
  until: number;
}

/**
 * Cheapest first for this request: estimated prompt tokens plus its maximum output (or
 * `assumedOutputTokens`) at catalogue prices, `pricing:` overrides winning. A target with no known price
 * comes after every priced one (its cost is not known to be low; give it a `pricing:` entry, even of 0,
 * to rank it). Equal costs keep config order.
 */
export class CostPolicy implements RoutingPolicy {
  readonly name = 'cost';
  readonly skipsCoolingTargets = true;
  readonly #pricer: Pricer;
  readonly #now: () => number;
  /** By target id: a group's targets, so bounded by the config. */
  readonly #rates = new Map<string, TargetRates>();

  constructor(pricer: Pricer, now: () => number = Date.now) {
    this.#pricer = pricer;
    this.#now = now;
  }

  order(targets: readonly RouteTarget[], { request, needs }: PolicyContext): readonly RouteTarget[] {
    const inputTokens = request.estimateInputTokens();
    const outputTokens = needs?.maxOutputTokens ?? assumedOutputTokens;
    const now = this.#now();
    return sortTargetsBy(targets, (target) => this.estimateUsd(target, inputTokens, outputTokens, now));
  }

  /** What the call would cost on a target, Infinity when its price is unknown. */
  estimateUsd(target: RouteTarget, inputTokens: number, outputTokens: number, now: number = this.#now()): number {
    const rates = this.#ratesOf(target, now);
    if (rates.input === null || rates.output === null) return Number.POSITIVE_INFINITY;
    return inputTokens * rates.input + outputTokens * rates.output;
  }

  #ratesOf(target: RouteTarget, now: number): TargetRates {
    const cached = this.#rates.get(target.id);
    if (cached && cached.until > now) return cached;
    const priceOf = (inputTokens: number, outputTokens: number) =>
      this.#pricer.price({
        provider: target.provider.name,
        pricingProviderId: target.provider.pricingProviderId,
        model: target.upstreamModel,
        usage: { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      });
    const input = priceOf(probeTokens, 0);
    const output = priceOf(0, probeTokens);
    const rates = { input: input === null ? null : input / probeTokens, output: output === null ? null : output / probeTokens, until: now + ratesLifetimeMs };
    this.#rates.set(target.id, rates);
    return rates;
  }
}
