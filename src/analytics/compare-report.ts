import type { EvalOutcome, RunCall } from '../domain/eval-outcome.js';
import { bootstrapDifference, bootstrapInterval, defaultResamples, defaultSeed, exactPercentile, seededRandom, type Interval } from './bootstrap.js';

/**
 * The compare report (issue 22 §1, `GET /analytics/compare`, `sluice compare`): each run's success, cost,
 * tokens, routing and speed, from its calls and its outcomes, and each later run's differences from the
 * first with bootstrap intervals over trials. Pure: the rows in, the JSON out.
 *
 * A trial is a distinct trial id among the run's calls and its outcomes. Per-trial figures and every
 * interval are over trials; calls sent without a trial label count in the run's calls, rates, latency and
 * mix but in no trial. Latency and time to first token are of served calls (failed ones show in the rates).
 */

export interface CompareInput {
  /** The runs in the order asked; the first is the baseline of the differences. */
  runs: readonly string[];
  calls: readonly RunCall[];
  outcomes: ReadonlyMap<string, readonly EvalOutcome[]>;
  resamples?: number;
  seed?: number;
}

/** A point estimate and its 95% interval. */
export interface Estimate extends Interval {
  value: number | null;
}

/** One trial's sums: the unit the bootstrap resamples. */
interface Trial {
  costUsd: number;
  tokens: number;
  outcome: EvalOutcome | undefined;
  /** Ranks of the trial's served calls' latencies in the run's sorted trial latencies. */
  latencyRanks: number[];
}

/** Resample work for the latency median is calls × resamples: past this, fewer resamples. */
const latencyWorkBudget = 20_000_000;
const minimumLatencyResamples = 200;

/** The report as JSON: `GET /analytics/compare` and `sluice compare --json` answer this. */
export type CompareReport = ReturnType<typeof compareReport>;

export function compareReport(input: CompareInput) {
  const resamples = input.resamples ?? defaultResamples;
  const seed = input.seed ?? defaultSeed;
  const callsByRun = new Map<string, RunCall[]>(input.runs.map((run) => [run, []]));
  for (const call of input.calls) callsByRun.get(call.run)?.push(call);
  const runs = input.runs.map((run, index) => runFigures(run, callsByRun.get(run)!, input.outcomes.get(run) ?? [], resamples, seed + index));
  const baseline = runs[0]!;
  return {
    object: 'analytics.compare',
    bootstrap: { resamples, seed, confidence: 0.95, unit: 'trial' },
    runs: runs.map((run) => run.json),
    differences: runs.slice(1).map((run, index) => differenceOf(baseline, run, resamples, seed + 1_000 + index)),
  };
}

/** Fewer resamples of the latency median for runs with very many calls: each resample walks all of them. */
function latencyResamplesFor(calls: number, resamples: number): number {
  return Math.min(resamples, Math.max(minimumLatencyResamples, Math.floor(latencyWorkBudget / Math.max(calls, 1))));
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

function sum<Item>(items: readonly Item[], valueOf: (item: Item) => number): number {
  let total = 0;
  for (const item of items) total += valueOf(item);
  return total;
}

function statistics(trials: readonly Trial[], sortedLatencies: Float64Array) {
  const scored = (indices: Uint32Array, valueOf: (outcome: EvalOutcome) => number) => {
    let count = 0;
    let total = 0;
    for (const index of indices) {
      const outcome = trials[index]!.outcome;
      if (outcome === undefined) continue;
      count++;
      total += valueOf(outcome);
    }
    return count === 0 ? null : total / count;
  };
  const mean = (indices: Uint32Array, valueOf: (trial: Trial) => number) => {
    let total = 0;
    for (const index of indices) total += valueOf(trials[index]!);
    return total / indices.length;
  };
  const counts = new Uint32Array(sortedLatencies.length);
  return {
    passRate: (indices: Uint32Array) => scored(indices, (outcome) => (outcome.passed ? 1 : 0)),
    meanReward: (indices: Uint32Array) => scored(indices, (outcome) => outcome.reward),
    costPerTrial: (indices: Uint32Array) => mean(indices, (trial) => trial.costUsd),
    tokensPerTrial: (indices: Uint32Array) => mean(indices, (trial) => trial.tokens),
    // The median of the resampled trials' latencies: counted by rank in the run's sorted latencies, so a
    // resample costs one pass over them rather than a sort.
    latencyP50: (indices: Uint32Array) => {
      counts.fill(0);
      let total = 0;
      for (const index of indices) {
        for (const rank of trials[index]!.latencyRanks) counts[rank]!++;
        total += trials[index]!.latencyRanks.length;
      }
      return total === 0 ? null : countedPercentile(sortedLatencies, counts, total, 0.5);
    },
  };
}

/** The interpolated percentile of sorted values each repeated `counts[i]` times (`total` in all). */
function countedPercentile(sorted: Float64Array, counts: Uint32Array, total: number, quantile: number): number {
  const position = quantile * (total - 1);
  const below = Math.floor(position);
  let seen = 0;
  let lower: number | undefined;
  for (let index = 0; index < sorted.length; index++) {
    seen += counts[index]!;
    if (lower === undefined && seen > below) lower = sorted[index]!;
    if (seen > below + 1 || (seen > below && position === below)) {
      const upper = sorted[index]!;
      return lower! + (position - below) * (upper - lower!);
    }
  }
  return lower!;
}

interface RunFigures {
  json: ReturnType<typeof runJson>;
  trials: Trial[];
  sortedLatencies: Float64Array;
  stats: ReturnType<typeof statistics>;
  point: { passRate: number | null; meanReward: number | null; costPerTrial: number | null; tokensPerTrial: number | null; latencyP50: number | null };
}

function runFigures(run: string, calls: readonly RunCall[], outcomes: readonly EvalOutcome[], resamples: number, seed: number): RunFigures {
  const trialsById = new Map<string, { calls: RunCall[]; outcome: EvalOutcome | undefined }>();
  const trialOf = (id: string) => {
    let trial = trialsById.get(id);
    if (!trial) trialsById.set(id, (trial = { calls: [], outcome: undefined }));
    return trial;
  };
  for (const call of calls) if (call.trial !== null) trialOf(call.trial).calls.push(call);
  for (const outcome of outcomes) trialOf(outcome.trial).outcome = outcome;

  const served = calls.filter((call) => call.served);
  // Latency ranks for the bootstrap: only trial-labelled served calls can be resampled.
  const trialLatencies = [...trialsById.values()].flatMap((trial) => trial.calls.filter((call) => call.served).map((call) => call.latencyMs));
  const sortedLatencies = Float64Array.from(trialLatencies).sort();
  const rankOf = rankLookup(sortedLatencies);
  const trials: Trial[] = [...trialsById.values()].map((trial) => ({
    costUsd: sum(trial.calls, (call) => call.costUsd ?? 0),
    tokens: sum(trial.calls, (call) => call.inputTokens + call.outputTokens),
    outcome: trial.outcome,
    latencyRanks: trial.calls.filter((call) => call.served).map((call) => rankOf(call.latencyMs)),
  }));
  const stats = statistics(trials, sortedLatencies);
  const all = Uint32Array.from(trials.keys());
  const random = seededRandom(seed);
  const estimate = (statistic: (indices: Uint32Array) => number | null): Estimate => {
    const value = trials.length === 0 ? null : statistic(all);
    return value === null ? { value, low: null, high: null } : { value, ...bootstrapInterval(trials.length, statistic, random, resamples) };
  };

  const latencyResamples = latencyResamplesFor(sortedLatencies.length, resamples);
  const latencyP50Interval = trials.length === 0 ? { low: null, high: null } : bootstrapInterval(trials.length, stats.latencyP50, random, latencyResamples);
  const passRate = estimate(stats.passRate);
  const meanReward = estimate(stats.meanReward);
  const costPerTrial = estimate(stats.costPerTrial);
  const tokensPerTrial = estimate(stats.tokensPerTrial);
  const scoredTrials = trials.filter((trial) => trial.outcome !== undefined);
  const passedTrials = scoredTrials.filter((trial) => trial.outcome!.passed);
  const latencies = served.map((call) => call.latencyMs);
  const firstTokens = served.flatMap((call) => (call.timeToFirstByteMs === null ? [] : [call.timeToFirstByteMs]));
  const throughputs = served.flatMap((call) =>
    call.cached || call.outputTokens <= 0 || call.servingMs === null || call.servingMs <= 0 ? [] : [call.outputTokens / (call.servingMs / 1000)],
  );
  const costUsd = sum(calls, (call) => call.costUsd ?? 0);
  const attempts = sum(calls, (call) => call.attempts);
  const json = runJson({
    run,
    calls,
    trials: trials.length,
    outcomes: scoredTrials.length,
    passed: passedTrials.length,
    passRate,
    meanReward,
    costUsd,
    costPerTrial,
    costPerPassedTrial: passedTrials.length === 0 ? null : sum(trials, (trial) => trial.costUsd) / passedTrials.length,
    tokensPerTrial,
    perTrial: (valueOf: (call: RunCall) => number) => (trials.length === 0 ? null : sum(calls.filter((call) => call.trial !== null), valueOf) / trials.length),
    attempts,
    latencies,
    latencyP50Interval,
    firstTokens,
    throughputs,
  });
  return {
    json,
    trials,
    sortedLatencies,
    stats,
    point: {
      passRate: passRate.value,
      meanReward: meanReward.value,
      costPerTrial: costPerTrial.value,
      tokensPerTrial: tokensPerTrial.value,
      latencyP50: json.latency_ms.p50,
    },
  };
}

/** The rank of a value in sorted values, its first occurrence: equal latencies share a rank. */
function rankLookup(sorted: Float64Array): (value: number) => number {
  const ranks = new Map<number, number>();
  for (let index = sorted.length - 1; index >= 0; index--) ranks.set(sorted[index]!, index);
  return (value) => ranks.get(value)!;
}

function runJson(figures: {
  run: string;
  calls: readonly RunCall[];
  trials: number;
  outcomes: number;
  passed: number;
  passRate: Estimate;
  meanReward: Estimate;
  costUsd: number;
  costPerTrial: Estimate;
  costPerPassedTrial: number | null;
  tokensPerTrial: Estimate;
  perTrial: (valueOf: (call: RunCall) => number) => number | null;
  attempts: number;
  latencies: number[];
  latencyP50Interval: Interval;
  firstTokens: number[];
  throughputs: number[];
}) {
  const { calls } = figures;
  return {
    run: figures.run,
    calls: calls.length,
    calls_without_trial: calls.filter((call) => call.trial === null).length,
    trials: figures.trials,
    outcomes: figures.outcomes,
    passed: figures.passed,
    pass_rate: figures.passRate,
    mean_reward: figures.meanReward,
    cost_usd: figures.costUsd,
    unpriced_calls: calls.filter((call) => call.costUsd === null && !call.cached).length,
    cost_per_trial: figures.costPerTrial,
    cost_per_passed_trial: figures.costPerPassedTrial,
    tokens_per_trial: {
      input: figures.perTrial((call) => call.inputTokens),
      output: figures.perTrial((call) => call.outputTokens),
      cache_read: figures.perTrial((call) => call.cacheReadTokens),
      cache_write: figures.perTrial((call) => call.cacheWriteTokens),
      /** Input plus output, with its interval. */
      total: figures.tokensPerTrial,
    },
    cache_hit_rate: ratio(calls.filter((call) => call.cached).length, calls.length),
    calls_per_trial: figures.perTrial(() => 1),
    attempts_per_trial: figures.perTrial((call) => call.attempts),
    fallback_rate: ratio(calls.filter((call) => call.fallback).length, calls.length),
    retry_rate: ratio(sum(calls, (call) => call.retries), figures.attempts),
    error_rate: ratio(calls.filter((call) => !call.served).length, calls.length),
    latency_ms: {
      p50: exactPercentile(figures.latencies, 0.5),
      p95: exactPercentile(figures.latencies, 0.95),
      /** The p50's 95% interval, over the trials' served calls. */
      p50_interval: figures.latencyP50Interval,
    },
    time_to_first_token_ms: { p50: exactPercentile(figures.firstTokens, 0.5), p95: exactPercentile(figures.firstTokens, 0.95) },
    throughput_tokens_per_s: { p50: exactPercentile(figures.throughputs, 0.5) },
    mix: mixOf(calls),
  };
}

/** Each provider:model's share of the run's calls and of its cost, most calls first. */
function mixOf(calls: readonly RunCall[]) {
  const targets = new Map<string, { provider: string | null; model: string | null; calls: number; costUsd: number }>();
  for (const call of calls) {
    const key = `${call.provider ?? ''}:${call.model ?? ''}`;
    let target = targets.get(key);
    if (!target) targets.set(key, (target = { provider: call.provider, model: call.model, calls: 0, costUsd: 0 }));
    target.calls++;
    target.costUsd += call.costUsd ?? 0;
  }
  const totalCost = sum(calls, (call) => call.costUsd ?? 0);
  return [...targets.entries()]
    .sort(([keyA, a], [keyB, b]) => b.calls - a.calls || keyA.localeCompare(keyB))
    .map(([target, figures]) => ({
      target,
      provider: figures.provider,
      model: figures.model,
      calls: figures.calls,
      call_share: figures.calls / calls.length,
      cost_usd: figures.costUsd,
      cost_share: ratio(figures.costUsd, totalCost),
    }));
}

function differenceOf(baseline: RunFigures, run: RunFigures, resamples: number, seed: number) {
  const random = seededRandom(seed);
  const sizes = [baseline.trials.length, run.trials.length] as const;
  const difference = (pick: (figures: RunFigures) => number | null, statisticOf: (figures: RunFigures) => (indices: Uint32Array) => number | null, count = resamples): Estimate => {
    const first = pick(baseline);
    const second = pick(run);
    if (first === null || second === null) return { value: null, low: null, high: null };
    return { value: second - first, ...bootstrapDifference(sizes, [statisticOf(baseline), statisticOf(run)], random, count) };
  };
  const latencyResamples = latencyResamplesFor(baseline.sortedLatencies.length + run.sortedLatencies.length, resamples);
  return {
    run: run.json.run,
    against: baseline.json.run,
    pass_rate: difference((figures) => figures.point.passRate, (figures) => figures.stats.passRate),
    mean_reward: difference((figures) => figures.point.meanReward, (figures) => figures.stats.meanReward),
    cost_per_trial: difference((figures) => figures.point.costPerTrial, (figures) => figures.stats.costPerTrial),
    tokens_per_trial: difference((figures) => figures.point.tokensPerTrial, (figures) => figures.stats.tokensPerTrial),
    latency_p50_ms: difference((figures) => figures.point.latencyP50, (figures) => figures.stats.latencyP50, latencyResamples),
    latency_resamples: latencyResamples,
  };
}
