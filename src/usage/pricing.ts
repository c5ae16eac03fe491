import { calcPrice } from '@pydantic/genai-prices';
import type { PriceOverride } from '../config/config-schema.js';
import { priceCatalogueName } from './price-catalogue-name.js';
import type { LinearRates } from '../domain/price-rates.js';
import type { TokenUsage } from '../domain/token-usage.js';

export interface PriceQuery {
  provider: string;
  /** Catalogue provider id (`anthropic`, `openai`…); undefined for self-hosted servers. */
  pricingProviderId: string | undefined;
  model: string;
  usage: TokenUsage;
}


/**
 * A price and where it came from, so a row's cost can be explained from the row alone: `source` is the
 * catalogue and its version (`genai-prices@0.1.8`), `config` for a `pricing:` override, or null when there was
 * nothing to price; `rates` are the per-token rates applied (null for a catalogue model whose rate depends
 * on the prompt's size: `tiered`).
 */
export interface PriceQuote {
  costUsd: number;
  source: string | null;
  rates: LinearRates | null;
}

/** How long catalogue rates are reused before they are looked up again (the catalogue dates its prices). */
const ratesLifetimeMs = 60 * 60_000;

/**
 * Prices usage from the maintained genai-prices catalogue, with config overrides (keyed `provider:model`
 * or `model`) taking precedence. Returns null when no price is known: a missing price never blocks traffic.
 *
 * A catalogue lookup costs tens of microseconds, so each model's rates are read off the catalogue once (an
 * hour) and reused while they are linear, i.e. the same per token at a thousand tokens as at a million.
 * Models with tiers (a dearer rate past some prompt size) are linear within each tier: their rates are read
 * off once per tier the same way (`TieredRates`), and the catalogue prices a call itself only where a tier
 * is not linear after all, or the counts are ones it may refuse (cache tokens past the prompt, image tokens).
 */
export class Pricer {
  /** A Map, not the config object: model names come from callers, and `constructor` is a valid-looking one. */
  readonly #overrides: ReadonlyMap<string, PriceOverride>;
  readonly #rates = new Map<string, { rates: LinearRates | TieredRates | null; until: number }>();

  /** `pricing.preferBilled`: budgets settle on what the upstream billed, when it said (see `settledCostUsd`). */
  readonly preferBilled: boolean;

  constructor(overrides: Readonly<Record<string, PriceOverride>>, options: { preferBilled?: boolean } = {}) {
    this.#overrides = new Map(Object.entries(overrides));
    this.preferBilled = options.preferBilled === true;
  }

  /**
   * The cost a finished call settles its budgets on: what the upstream billed when `preferBilled` is on and
   * it reported a cost, else Sluice's own price (0 when unknown: a missing price never blocks traffic).
   */
  settledCostUsd(query: PriceQuery): number {
    if (this.preferBilled && query.usage.billedCostUsd !== undefined) return query.usage.billedCostUsd;
    return this.price(query) ?? 0;
  }

  price(query: PriceQuery): number | null {
    return this.quote(query)?.costUsd ?? null;
  }

  /** The price of a call and its provenance; null when no price is known. */
  quote(query: PriceQuery): PriceQuote | null {
    const override = this.#overrides.get(`${query.provider}:${query.model}`) ?? this.#overrides.get(query.model);
    if (override) {
      const rates = overrideRates(override);
      return { costUsd: priceLinear(rates, query.usage), source: 'config', rates };
    }
    if (query.usage.inputTokens === 0 && query.usage.outputTokens === 0) return { costUsd: 0, source: null, rates: null };
    const rates = this.#ratesFor(query);
    if (rates === null) return null;
    if (!(rates instanceof TieredRates)) return { costUsd: priceLinear(rates, query.usage), source: priceCatalogueName, rates };
    const tierRates = rates.ratesFor(query.usage);
    if (tierRates) return { costUsd: priceLinear(tierRates, query.usage), source: `${priceCatalogueName} (tiered)`, rates: null };
    try {
      const result = catalogue(query.model, query.pricingProviderId, {
        input_tokens: query.usage.inputTokens,
        output_tokens: query.usage.outputTokens,
        cache_read_tokens: query.usage.cacheReadTokens,
        cache_write_tokens: query.usage.cacheWriteTokens,
        ...(query.usage.imageTokens ? { input_image_tokens: query.usage.imageTokens } : {}),
      });
      return result === null ? null : { costUsd: roundUsd(result), source: `${priceCatalogueName} (tiered)`, rates: null };
    } catch {
      // Inconsistent counts from a misbehaving upstream must not lose the row.
      return null;
    }
  }

  #ratesFor(query: PriceQuery): LinearRates | TieredRates | null {
    const cacheKey = `${query.pricingProviderId ?? ''}:${query.model}`;
    const now = Date.now();
    const cached = this.#rates.get(cacheKey);
    if (cached && cached.until > now) return cached.rates;
    const rates = probeRates(query.model, query.pricingProviderId);
    this.#rates.set(cacheKey, { rates, until: now + ratesLifetimeMs });
    return rates;
  }
}

type CatalogueUsage = Parameters<typeof calcPrice>[0];

function catalogue(model: string, pricingProviderId: string | undefined, usage: CatalogueUsage): number | null {
  const result = calcPrice(usage, model, pricingProviderId ? { providerId: pricingProviderId } : {});
  return result ? result.total_price : null;
}

const million = 1_000_000;
const thousand = 1_000;

/**
 * The model's rates per million tokens, `TieredRates` when a thousand tokens and a million are not priced
 * alike (or the parts do not add up), null when the catalogue has no price for it.
 */
function probeRates(model: string, pricingProviderId: string | undefined): LinearRates | TieredRates | null {
  const tiered = () => new TieredRates(model, pricingProviderId);
  try {
    const at = (usage: CatalogueUsage) => catalogue(model, pricingProviderId, usage);
    const request = at({ input_tokens: 0, output_tokens: 0 });
    if (request === null) return null;
    const per = (scale: number) => {
      const input = at({ input_tokens: scale });
      const output = at({ output_tokens: scale });
      // Cache reads and writes are part of the input count: a prompt made only of them.
      const cacheRead = at({ input_tokens: scale, cache_read_tokens: scale });
      const cacheWrite = at({ input_tokens: scale, cache_write_tokens: scale });
      const image = at({ input_tokens: scale, input_image_tokens: scale });
      const together = at({ input_tokens: scale, output_tokens: scale });
      if (input === null || output === null || cacheRead === null || cacheWrite === null || image === null || together === null) return undefined;
      const rates: LinearRates = { request, input: input - request, output: output - request, cacheRead: cacheRead - request, cacheWrite: cacheWrite - request };
      // Kept only where images are priced apart, so most rows' rates stay as they were.
      if (!close(image - request, rates.input)) rates.inputImage = image - request;
      return { rates, consistent: close(together - request, rates.input + rates.output) };
    };
    const small = per(thousand);
    const large = per(million);
    if (!small || !large || !small.consistent || !large.consistent) return tiered();
    for (const kind of ['input', 'output', 'cacheRead', 'cacheWrite', 'inputImage'] as const) {
      if (!close((small.rates[kind] ?? small.rates.input) * (million / thousand), large.rates[kind] ?? large.rates.input)) return tiered();
    }
    return large.rates;
  } catch {
    return tiered();
  }
}

/**
 * A tiered model's rates, tier by tier. The catalogue picks a tier by the prompt's size (the whole input
 * count past a tier's `start`), and within a tier prices every kind of token linearly: a tier's rates are read
 * off the catalogue at two prompt sizes inside it, the first time a call falls in it, and kept if both agree
 * (else that tier is left to the catalogue, call by call).
 */
export class TieredRates {
  /** Every tier start of the model's prices, ascending: tier `n` holds prompts past the `n`th start. */
  readonly #starts: number[];
  /** Per tier: its rates, null when the catalogue prices each call of it. */
  readonly #tiers = new Map<number, LinearRates | null>();

  constructor(
    private readonly model: string,
    private readonly pricingProviderId: string | undefined,
  ) {
    this.#starts = tierStarts(model, pricingProviderId);
  }

  /** The rates for this usage's tier; undefined when the catalogue must price it itself. */
  ratesFor(usage: TokenUsage): LinearRates | undefined {
    // Counts the catalogue may refuse or split otherwise: priced by it, as before.
    if ((usage.imageTokens ?? 0) > 0 || usage.cacheReadTokens + usage.cacheWriteTokens > usage.inputTokens) return undefined;
    let tier = 0;
    while (tier < this.#starts.length && usage.inputTokens > this.#starts[tier]!) tier++;
    let rates = this.#tiers.get(tier);
    if (rates === undefined) {
      rates = this.#probe(tier);
      this.#tiers.set(tier, rates);
    }
    return rates ?? undefined;
  }

  #probe(tier: number): LinearRates | null {
    const from = tier === 0 ? 0 : this.#starts[tier - 1]! + 1;
    const to = tier < this.#starts.length ? this.#starts[tier]! : from + million;
    const middle = Math.floor((from + to) / 2);
    if (middle < 1 || middle >= to) return null;
    try {
      const at = (usage: CatalogueUsage) => catalogue(this.model, this.pricingProviderId, usage);
      const low = tierRatesAt(at, middle);
      const high = tierRatesAt(at, to);
      if (!low || !high) return null;
      for (const kind of ['request', 'input', 'output', 'cacheRead', 'cacheWrite', 'inputImage'] as const) {
        if (!close(low[kind] ?? low.input, high[kind] ?? high.input)) return null;
      }
      return high;
    } catch {
      return null;
    }
  }
}

/** The tier starts of a model's prices (empty for a model without tiers, or none known). */
function tierStarts(model: string, pricingProviderId: string | undefined): number[] {
  try {
    const found = calcPrice({ input_tokens: 1 }, model, pricingProviderId ? { providerId: pricingProviderId } : {});
    const starts = new Set<number>();
    for (const price of Object.values(found?.model_price ?? {})) {
      if (typeof price === 'object') for (const tier of price.tiers) starts.add(tier.start);
    }
    return [...starts].sort((left, right) => left - right);
  } catch {
    return [];
  }
}

/** A tier's rates per million tokens, read off with every probe's prompt `prompt` tokens long (so in that tier). */
function tierRatesAt(at: (usage: CatalogueUsage) => number | null, prompt: number): LinearRates | undefined {
  const request = at({ input_tokens: 0, output_tokens: 0 });
  const input = at({ input_tokens: prompt });
  const withOutput = at({ input_tokens: prompt, output_tokens: prompt });
  const cacheRead = at({ input_tokens: prompt, cache_read_tokens: prompt });
  const cacheWrite = at({ input_tokens: prompt, cache_write_tokens: prompt });
  const image = at({ input_tokens: prompt, input_image_tokens: prompt });
  if (request === null || input === null || withOutput === null || cacheRead === null || cacheWrite === null || image === null) return undefined;
  const perMillion = (price: number) => (price * million) / prompt;
  const rates: LinearRates = {
    request,
    input: perMillion(input - request),
    output: perMillion(withOutput - input),
    cacheRead: perMillion(cacheRead - request),
    cacheWrite: perMillion(cacheWrite - request),
  };
  if (!close(perMillion(image - request), rates.input)) rates.inputImage = perMillion(image - request);
  return rates;
}

function close(left: number, right: number): boolean {
  return Math.abs(left - right) <= 1e-9 * Math.max(1, Math.abs(left), Math.abs(right));
}

function priceLinear(rates: LinearRates, usage: TokenUsage): number {
  const uncachedInput = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
  // Image tokens are part of the uncached input; they cost their own rate only where the catalogue has one.
  const imageInput = rates.inputImage === undefined ? 0 : Math.min(usage.imageTokens ?? 0, uncachedInput);
  const total =
    rates.request +
    ((uncachedInput - imageInput) * rates.input +
      imageInput * (rates.inputImage ?? rates.input) +
      usage.cacheReadTokens * rates.cacheRead +
      usage.cacheWriteTokens * rates.cacheWrite +
      usage.outputTokens * rates.output) /
      million;
  return roundUsd(total);
}

/** A config override as rates: cache reads and writes cost what input does unless it says otherwise. */
function overrideRates(price: PriceOverride): LinearRates {
  return {
    request: 0,
    input: price.inputPerMillion,
    output: price.outputPerMillion,
    cacheRead: price.cacheReadPerMillion ?? price.inputPerMillion,
    cacheWrite: price.cacheWritePerMillion ?? price.inputPerMillion,
  };
}

/** Twelve decimals keep micro-dollar sums exact enough without float noise in reports. */
function roundUsd(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}
