import type { Counter, Histogram } from 'prom-client';
import type { AttemptWindow } from './attempt-window.js';
import { attemptResults, dialectNames, outcomes, statusClasses, tokenTypes } from './label-values.js';

/** The labelled metrics a provider and model pair feeds. */
export interface CallMetricFamilies {
  requests: Counter<'provider' | 'model' | 'dialect' | 'status_class' | 'outcome'>;
  duration: Histogram<'provider' | 'model' | 'dialect'>;
  timeToFirstByte: Histogram<'provider' | 'model' | 'dialect'>;
  tokens: Counter<'provider' | 'model' | 'type'>;
  cost: Counter<'provider' | 'model'>;
  attempts: Counter<'provider' | 'model' | 'result'>;
}

export interface CounterChild {
  inc(value?: number): void;
}
export interface HistogramChild {
  observe(value: number): void;
}

const perDialect = statusClasses.length * outcomes.length;

/**
 * Every series of one (bounded) provider and model label pair, bound on first use and kept: a call finds
 * its children by array index (dialect, status class, outcome, token type, result are small closed sets),
 * so prom-client's `labels()` runs once per series for the life of the process, never per request.
 */
export class ModelSeries {
  readonly provider: string;
  readonly model: string;
  /** This pair's recent attempts, for /admin/health/targets. */
  readonly health: AttemptWindow;
  readonly #families: CallMetricFamilies;
  readonly #requests: Array<CounterChild | undefined> = new Array<CounterChild | undefined>(dialectNames.length * perDialect);
  readonly #durations: Array<HistogramChild | undefined> = new Array<HistogramChild | undefined>(dialectNames.length);
  readonly #timesToFirstByte: Array<HistogramChild | undefined> = new Array<HistogramChild | undefined>(dialectNames.length);
  readonly #tokens: Array<CounterChild | undefined> = new Array<CounterChild | undefined>(tokenTypes.length);
  readonly #attempts: Array<CounterChild | undefined> = new Array<CounterChild | undefined>(attemptResults.length);
  #cost: CounterChild | undefined;

  constructor(provider: string, model: string, families: CallMetricFamilies, health: AttemptWindow) {
    this.provider = provider;
    this.model = model;
    this.#families = families;
    this.health = health;
  }

  requests(dialect: number, statusClass: number, outcome: number): CounterChild {
    const index = dialect * perDialect + statusClass * outcomes.length + outcome;
    return (this.#requests[index] ??= this.#families.requests.labels({
      provider: this.provider,
      model: this.model,
      dialect: dialectNames[dialect]!,
      status_class: statusClasses[statusClass]!,
      outcome: outcomes[outcome]!,
    }));
  }

  duration(dialect: number): HistogramChild {
    return (this.#durations[dialect] ??= this.#families.duration.labels({ provider: this.provider, model: this.model, dialect: dialectNames[dialect]! }));
  }

  timeToFirstByte(dialect: number): HistogramChild {
    return (this.#timesToFirstByte[dialect] ??= this.#families.timeToFirstByte.labels({ provider: this.provider, model: this.model, dialect: dialectNames[dialect]! }));
  }

  tokens(type: number): CounterChild {
    return (this.#tokens[type] ??= this.#families.tokens.labels({ provider: this.provider, model: this.model, type: tokenTypes[type]! }));
  }

  cost(): CounterChild {
    return (this.#cost ??= this.#families.cost.labels({ provider: this.provider, model: this.model }));
  }

  attempts(result: number): CounterChild {
    return (this.#attempts[result] ??= this.#families.attempts.labels({ provider: this.provider, model: this.model, result: attemptResults[result]! }));
  }
}
