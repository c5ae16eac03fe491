import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { DialectName } from '../domain/dialect-name.js';
import type { CooldownStatus } from '../routing/cooldowns.js';
import type { UsageOutcome, UsageRow } from '../domain/usage-row.js';
import { buildKnownModels, type KnownModels, type KnownModelSources } from './known-models.js';
import { attemptResultOf, attemptResults, rateLimitLabelsOf, statusClassIndex, type AttemptResult } from './label-values.js';
import { CounterFamily, HistogramFamily, type CounterCell } from './metric-families.js';
import type { CallMetricFamilies } from './model-series.js';
import { SeriesTable } from './series-table.js';
import { TargetHealth, type TargetHealthReport, type TargetHealthSources } from './target-health.js';

/** What the usage writer tells the metrics, read at scrape time. */
export interface UsageQueueReading {
  /** Rows in memory waiting for the store. */
  queuedRows: number;
  /** Rows lost since start (the writer's and the spool's drops). */
  droppedRows: number;
}

export interface GatewayMetricsOptions {
  /** Read at each scrape (the writer may be built after the metrics). */
  readUsageQueue: () => UsageQueueReading;
  /** The clock of the health windows (epoch ms); tests pass one they move. */
  now?: () => number;
}

/** Whether a call consulted the response cache, and what it found; undefined when it did not look. */
export type CacheResult = 'hit' | 'miss' | undefined;

const dialectIndex: Readonly<Record<DialectName, number>> = { 'openai-chat': 0, 'openai-responses': 1, 'anthropic-messages': 2, gemini: 3 };
const outcomeIndex: Readonly<Record<UsageOutcome, number>> = { ok: 0, error: 1, cancelled: 2 };
const attemptResultIndex = new Map<AttemptResult, number>(attemptResults.map((result, index) => [result, index]));

/** Seconds. Model calls run from a fraction of a second to minutes (long generations, reasoning). */
const durationBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const timeToFirstByteBuckets = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/**
 * Sluice's Prometheus metrics, in a registry of its own (not prom-client's global one), so several
 * gateways in one process, as in the tests, never share or collide. Fed once per call from the usage row
 * (`recordCall`), with its cost once the usage writer has priced and stored it (`recordStoredCosts`), at
 * admission's refusals (`recordRateLimited`) and on cooldown changes
 * (`setTargetCooldown`); a scrape only serialises, apart from reading the usage queue's two numbers.
 *
 * prom-client holds the process defaults and the metrics that change rarely (refusals, cooldowns, the usage
 * queue); the families every call feeds are Sluice's own cells (metric-families.ts says why), written
 * after the registry's text in the same exposition.
 *
 * Labels are bounded: provider and model names come from the known set (`rebuildKnownModels`), anything
 * else is `other`; every other label has a small fixed set of values (label-values.ts).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly health = new TargetHealth();
  readonly #now: () => number;
  readonly #families: CallMetricFamilies;
  readonly #cacheHit: CounterCell;
  readonly #cacheMiss: CounterCell;
  /** The per-call families, serialised after the registry's own metrics. */
  readonly #ownFamilies: ReadonlyArray<CounterFamily | HistogramFamily>;
  readonly #rateLimited: Counter<'scope' | 'limit'>;
  readonly #rateLimitedChildren = new Map<string, { inc(): void }>();
  readonly #targetCooldown: Gauge<'target'>;
  /** The gauge's value per configured target, so an unchanged status costs no prom-client call. */
  readonly #cooldownValues = new Map<string, number>();
  #known: KnownModels;
  #table: SeriesTable;

  constructor(options: GatewayMetricsOptions) {
    this.#now = options.now ?? Date.now;
    const registers = [this.registry];
    this.#families = {
      requests: new CounterFamily({
        name: 'sluice_requests_total',
        help: 'Model calls by provider, model, inbound dialect, HTTP status class and outcome.',
        labelNames: ['provider', 'model', 'dialect', 'status_class', 'outcome'],
      }),
      duration: new HistogramFamily({
        name: 'sluice_request_duration_seconds',
        help: 'Model call duration, from arrival to the last byte sent.',
        labelNames: ['provider', 'model', 'dialect'],
        buckets: durationBuckets,
      }),
      timeToFirstByte: new HistogramFamily({
        name: 'sluice_time_to_first_byte_seconds',
        help: 'Time from arrival to the first byte sent to the caller (calls that sent one).',
        labelNames: ['provider', 'model', 'dialect'],
        buckets: timeToFirstByteBuckets,
      }),
      tokens: new CounterFamily({
        name: 'sluice_tokens_total',
        help: 'Tokens by type: input (including cache reads and writes), output (including reasoning), cache_read, cache_write, reasoning.',
        labelNames: ['provider', 'model', 'type'],
      }),
      cost: new CounterFamily({ name: 'sluice_cost_usd_total', help: 'Cost of model calls in USD, where a price is known.', labelNames: ['provider', 'model'] }),
      attempts: new CounterFamily({
        name: 'sluice_upstream_attempts_total',
        help: 'Upstream attempts (each retry and fallback) by target provider and model; result: ok, error, timeout, cancelled.',
        labelNames: ['provider', 'model', 'result'],
      }),
    };
    const cache = new CounterFamily({ name: 'sluice_cache_requests_total', help: 'Response cache lookups by result (hit, miss).', labelNames: ['result'] });
    this.#cacheHit = cache.cell(['hit']);
    this.#cacheMiss = cache.cell(['miss']);
    this.#ownFamilies = [...Object.values(this.#families), cache];
    this.#rateLimited = new Counter({
      name: 'sluice_rate_limited_total',
      help: 'Calls refused by admission, by scope (key, user, team) and limit (rpm, tpm, concurrency, budget).',
      labelNames: ['scope', 'limit'],
      registers,
    });
    this.#targetCooldown = new Gauge({
      name: 'sluice_target_cooldown',
      help: 'Whether a group target is cooling down (1: cooling or half-open, waiting for a probe to succeed; 0: available).',
      labelNames: ['target'],
      registers,
    });
    const { readUsageQueue } = options;
    new Gauge({
      name: 'sluice_usage_rows_queued',
      help: 'Usage rows held in memory waiting for the store.',
      registers,
      collect() {
        this.set(readUsageQueue().queuedRows);
      },
    });
    let droppedSoFar = 0;
    new Counter({
      name: 'sluice_usage_rows_dropped_total',
      help: 'Usage rows lost since start: refused by the store as invalid, or past the queue and spool bounds.',
      registers,
      collect() {
        // The writer counts every drop (its own and the spool's); the counter follows that count.
        const dropped = readUsageQueue().droppedRows;
        if (dropped > droppedSoFar) this.inc(dropped - droppedSoFar);
        droppedSoFar = dropped;
      },
    });
    collectDefaultMetrics({ register: this.registry });
    this.#known = { byProvider: new Map(), targetIds: new Set(), unrouted: new Set() };
    this.#table = new SeriesTable(this.#known, this.#families, this.health);
  }

  /**
   * Rebuilds the known provider and model names from the configuration (at start, and after a config
   * reload). Series already exported stay; new calls are labelled by the new set.
   */
  rebuildKnownModels(sources: KnownModelSources): void {
    const known = buildKnownModels(sources);
    for (const targetId of this.#cooldownValues.keys()) {
      if (known.targetIds.has(targetId)) continue;
      this.#targetCooldown.remove({ target: targetId });
      this.#cooldownValues.delete(targetId);
    }
    for (const targetId of known.targetIds) {
      if (this.#cooldownValues.has(targetId)) continue;
      this.#cooldownValues.set(targetId, 0);
      this.#targetCooldown.set({ target: targetId }, 0);
    }
    this.#known = known;
    this.#table = new SeriesTable(known, this.#families, this.health);
  }

  /**
   * One finished call, from its usage row: requests, duration, time to first byte, tokens, the cache result
   * and each upstream attempt (also fed to the target's health window). Zero amounts are skipped. Cost comes
   * later, from `recordStoredCosts`: pricing happens off this thread.
   */
  recordCall(row: UsageRow, cacheResult: CacheResult): void {
    const series = this.#table.series(row.provider, row.upstreamModel ?? row.requestedModel);
    const dialect = dialectIndex[row.inboundDialect];
    series.requests(dialect, statusClassIndex(row.statusCode), outcomeIndex[row.outcome]).inc();
    series.duration(dialect).observe(row.latencyMs / 1000);
    if (row.timeToFirstByteMs !== null) series.timeToFirstByte(dialect).observe(row.timeToFirstByteMs / 1000);
    if (row.inputTokens > 0) series.tokens(0).inc(row.inputTokens);
    if (row.outputTokens > 0) series.tokens(1).inc(row.outputTokens);
    if (row.cacheReadTokens > 0) series.tokens(2).inc(row.cacheReadTokens);
    if (row.cacheWriteTokens > 0) series.tokens(3).inc(row.cacheWriteTokens);
    if (row.reasoningTokens > 0) series.tokens(4).inc(row.reasoningTokens);
    if (cacheResult === 'hit') this.#cacheHit.inc();
    else if (cacheResult === 'miss') this.#cacheMiss.inc();
    const trail = row.attemptTrail;
    if (trail.length === 0) return;
    const now = this.#now();
    for (const attempt of trail) {
      // Usually the call's own target: no second lookup.
      const target = attempt.provider === row.provider && attempt.model === row.upstreamModel ? series : this.#table.series(attempt.provider, attempt.model);
      const result = attemptResultOf(attempt);
      target.attempts(attemptResultIndex.get(result)!).inc();
      target.health.record(now, result, attempt.timeToFirstByteMs, attempt.errorCode, attempt.statusCode);
    }
  }

  /**
   * Rows the usage writer has stored, priced by its worker thread (tens of microseconds a row for tiered
   * models, which is why the request thread does not price every call): their cost, by provider and model.
   */
  recordStoredCosts(rows: readonly UsageRow[]): void {
    for (const row of rows) {
      if (row.costUsd !== null && row.costUsd > 0) this.#table.series(row.provider, row.upstreamModel ?? row.requestedModel).cost().inc(row.costUsd);
    }
  }

  /** A call admission refused; `reason` is the GatewayError's (`rate_limited.key.requests_per_minute`…). */
  recordRateLimited(reason: string | undefined): void {
    const labels = rateLimitLabelsOf(reason);
    if (!labels) return;
    let child = this.#rateLimitedChildren.get(reason!);
    if (!child) this.#rateLimitedChildren.set(reason!, (child = this.#rateLimited.labels(labels)));
    child.inc();
  }

  /** A group target's cooldown status as routing last saw it; other target ids are ignored (labels stay bounded). */
  setTargetCooldown(targetId: string, status: CooldownStatus): void {
    const value = status === 'available' ? 0 : 1;
    const current = this.#cooldownValues.get(targetId);
    if (current === undefined || current === value) return;
    this.#cooldownValues.set(targetId, value);
    this.#targetCooldown.set({ target: targetId }, value);
  }

  healthReport(sources: TargetHealthSources): TargetHealthReport {
    return this.health.report(this.#now(), sources);
  }

  /** The text exposition: the registry's metrics, then the per-call families. */
  async exposition(): Promise<string> {
    const lines = [await this.registry.metrics()];
    for (const family of this.#ownFamilies) family.write(lines);
    return `${lines.join('\n')}\n`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
