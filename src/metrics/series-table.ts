import type { TargetHealth } from './target-health.js';
import type { KnownModels } from './known-models.js';
import { noneLabel, otherLabel } from './label-values.js';
import { ModelSeries, type CallMetricFamilies } from './model-series.js';

/** A provider's known models; `null` until the pair's series are first used. */
interface ProviderSlot {
  models: Map<string, ModelSeries | null>;
  /** `{provider, model="other"}`: every model of this provider outside the known set. */
  other: ModelSeries | null;
}

/**
 * From a call's raw provider and model names to the series of their bounded labels, in two Map lookups
 * and no allocation. Only names of the known set have slots; anything else lands on `other`, so neither
 * the table nor the registry grows with what callers send.
 */
export class SeriesTable {
  readonly #families: CallMetricFamilies;
  readonly #health: TargetHealth;
  readonly #providers = new Map<string, ProviderSlot>();
  /** Calls that ended before a provider was chosen: `provider="none"`, model a known alias or group name, else `other`. */
  readonly #unrouted: ProviderSlot;
  #unknownProvider: ModelSeries | null = null;
  /** `{provider="none", model="none"}`: refused before even a model name was read (a bad key, bad JSON). */
  #nothingResolved: ModelSeries | null = null;

  constructor(known: KnownModels, families: CallMetricFamilies, health: TargetHealth) {
    this.#families = families;
    this.#health = health;
    for (const [provider, models] of known.byProvider) {
      this.#providers.set(provider, { models: new Map([...models].map((model) => [model, null])), other: null });
    }
    this.#unrouted = { models: new Map([...known.unrouted].map((name) => [name, null])), other: null };
  }

  series(provider: string | null, model: string | null): ModelSeries {
    if (provider === null) {
      if (model === null) return (this.#nothingResolved ??= this.#create(noneLabel, noneLabel));
      return this.#inSlot(this.#unrouted, noneLabel, model);
    }
    const slot = this.#providers.get(provider);
    if (!slot) return (this.#unknownProvider ??= this.#create(otherLabel, otherLabel));
    return this.#inSlot(slot, provider, model);
  }

  #inSlot(slot: ProviderSlot, provider: string, model: string | null): ModelSeries {
    const series = model === null ? undefined : slot.models.get(model);
    if (series) return series;
    if (series === undefined) return (slot.other ??= this.#create(provider, otherLabel));
    const created = this.#create(provider, model!);
    slot.models.set(model!, created);
    return created;
  }

  #create(provider: string, model: string): ModelSeries {
    return new ModelSeries(provider, model, this.#families, this.#health.windowFor(provider, model));
  }
}
