import type { AttemptWindow } from './attempt-window.js';
import { attemptResults, dialectNames, outcomes, statusClasses, tokenTypes } from './label-values.js';
import type { CounterCell as CounterChild, CounterFamily, HistogramCell as HistogramChild, HistogramFamily } from './metric-families.js';

/** The labelled metrics a provider and model pair feeds (label names in the order of `cell`'s values). */
export interface CallMetricFamilies {
  /** provider, model, dialect, status_class, outcome */
  requests: CounterFamily;
  /** provider, model, dialect */
  duration: HistogramFamily;
  /** provider, model, dialect */
  timeToFirstByte: HistogramFamily;
  /** provider, model, type */
  tokens: CounterFamily;
  /** provider, model */
  cost: CounterFamily;
  /** provider, model, result */
  attempts: CounterFamily;
}

const perDialect = statusClasses.length * outcomes.length;

/**
 * Every series of one (bounded) provider and model label pair, made on first use and kept: a call finds
 * its cells by array index (dialect, status class, outcome, token type, result are small closed sets), so
 * a label set is looked up and escaped once for the life of the process, never per request.
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
    return (this.#requests[index] ??= this.#families.requests.cell([this.provider, this.model, dialectNames[dialect]!, statusClasses[statusClass]!, outcomes[outcome]!]));
  }

  duration(dialect: number): HistogramChild {
    return (this.#durations[dialect] ??= this.#families.duration.cell([this.provider, this.model, dialectNames[dialect]!]));
  }

  timeToFirstByte(dialect: number): HistogramChild {
    return (this.#timesToFirstByte[dialect] ??= this.#families.timeToFirstByte.cell([this.provider, this.model, dialectNames[dialect]!]));
  }

  tokens(type: number): CounterChild {
    return (this.#tokens[type] ??= this.#families.tokens.cell([this.provider, this.model, tokenTypes[type]!]));
  }

  cost(): CounterChild {
    return (this.#cost ??= this.#families.cost.cell([this.provider, this.model]));
  }

  attempts(result: number): CounterChild {
    return (this.#attempts[result] ??= this.#families.attempts.cell([this.provider, this.model, attemptResults[result]!]));
  }
}
