import type { EvalOutcome, RunCall } from '../domain/eval-outcome.js';
import { defaultResamples, defaultSeed, exactPercentile, fillResample, intervalOf, seededRandom, type Interval } from './bootstrap.js';

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

/**
 * Resampling work is resamples × trials (× calls for the latency median): past these, fewer resamples (never
 * under 200), so the largest comparison allowed stays around a second of work rather than many.
 */
const trialWorkBudget = 10_000_000;
const latencyWorkBudget = 20_000_000;
const minimumResamples = 200;

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
    differences: runs.slice(1).map((run) => differenceOf(baseline, run)),
  };
}

/** The resamples a run gets for `units` items to draw or walk per resample within `budget`. */
function resamplesWithin(budget: number, units: number, resamples: number): number {
  return Math.min(resamples, Math.max(minimumResamples, Math.floor(budget / Math.max(units, 1))));
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

function sum<Item>(items: readonly Item[], valueOf: (item: Item) => number): number {
  let total = 0;
  for (const item of items) total += valueOf(item);
  return total;
}

type TrialStatisticName = 'passRate' | 'meanReward' | 'costPerTrial' | 'tokensPerTrial';

function statistics(trials: readonly Trial[], sortedLatencies: Float64Array) {
  // Column arrays and one pass per resample for the four trial statistics: the bootstrap's inner loop.
  const scored = Uint8Array.from(trials, (trial) => (trial.outcome === undefined ? 0 : 1));
  const passed = Uint8Array.from(trials, (trial) => (trial.outcome?.passed === true ? 1 : 0));
  const reward = Float64Array.from(trials, (trial) => trial.outcome?.reward ?? 0);
  const cost = Float64Array.from(trials, (trial) => trial.costUsd);
  const tokens = Float64Array.from(trials, (trial) => trial.tokens);
  const counts = new Uint32Array(sortedLatencies.length);
  return {
    trialStatistics: (indices: Uint32Array): Record<TrialStatisticName, number | null> => {
      let scoredCount = 0;
      let passedCount = 0;
      let rewardSum = 0;
      let costSum = 0;
      let tokenSum = 0;
      for (let position = 0; position < indices.length; position++) {
        const index = indices[position]!;
        scoredCount += scored[index]!;
        passedCount += passed[index]!;
        rewardSum += reward[index]!;
        costSum += cost[index]!;
        tokenSum += tokens[index]!;
      }
      return {
        passRate: scoredCount === 0 ? null : passedCount / scoredCount,
        meanReward: scoredCount === 0 ? null : rewardSum / scoredCount,
        costPerTrial: indices.length === 0 ? null : costSum / indices.length,
        tokensPerTrial: indices.length === 0 ? null : tokenSum / indices.length,
      };
    },
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
  /** Each statistic on each resample of the trials, in resample order (the latency median on fewer). */
  draws: Draws;
  point: Record<StatisticName, number | null>;
}

type StatisticName = 'passRate' | 'meanReward' | 'costPerTrial' | 'tokensPerTrial' | 'latencyP50';
type Draws = Record<StatisticName, Array<number | null>>;

/**
 * Every statistic computed on the same resamples: one draw of the trials serves them all, so the work is
 * resamples × trials whatever the number of statistics. The latency median is taken on the first
 * `latencyResamples` only (each walks the run's calls).
 */
function resampled(size: number, stats: ReturnType<typeof statistics>, random: () => number, resamples: number, latencyResamples: number): Draws {
  const draws: Draws = { passRate: [], meanReward: [], costPerTrial: [], tokensPerTrial: [], latencyP50: [] };
  if (size === 0) return draws;
  const indices = new Uint32Array(size);
  for (let resample = 0; resample < resamples; resample++) {
    fillResample(indices, random);
    const trialStatistics = stats.trialStatistics(indices);
    draws.passRate.push(trialStatistics.passRate);
    draws.meanReward.push(trialStatistics.meanReward);
    draws.costPerTrial.push(trialStatistics.costPerTrial);
    draws.tokensPerTrial.push(trialStatistics.tokensPerTrial);
    if (resample < latencyResamples) draws.latencyP50.push(stats.latencyP50(indices));
  }
  return draws;
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
  const trialResamples = resamplesWithin(trialWorkBudget, trials.length, resamples);
  const draws = resampled(trials.length, stats, seededRandom(seed), trialResamples, Math.min(trialResamples, resamplesWithin(latencyWorkBudget, sortedLatencies.length, resamples)));
  const whole = stats.trialStatistics(Uint32Array.from(trials.keys()));
  const estimate = (name: TrialStatisticName): Estimate => {
    const value = whole[name];
    return value === null ? { value, low: null, high: null } : { value, ...intervalOf(draws[name]) };
  };

  const latencyP50Interval = intervalOf(draws.latencyP50);
  const passRate = estimate('passRate');
  const meanReward = estimate('meanReward');
  const costPerTrial = estimate('costPerTrial');
  const tokensPerTrial = estimate('tokensPerTrial');
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
    resamples: { trials: draws.costPerTrial.length, latency: draws.latencyP50.length },
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
    draws,
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
  resamples: { trials: number; latency: number };
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
    /** The bootstrap's resamples for this run: fewer than asked only for very large runs. */
    resamples: figures.resamples,
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

/**
 * B − A: the point estimates' difference, and the interval of the differences of the two runs' resample
 * statistics paired in order — each run's resamples are drawn on their own, so a pair is an independent
 * resample of each.
 */
function differenceOf(baseline: RunFigures, run: RunFigures) {
  const difference = (name: StatisticName): Estimate => {
    const first = baseline.point[name];
    const second = run.point[name];
    if (first === null || second === null) return { value: null, low: null, high: null };
    const firstDraws = baseline.draws[name];
    const secondDraws = run.draws[name];
    const pairs = Math.min(firstDraws.length, secondDraws.length);
    const differences = Array.from({ length: pairs }, (_, index) => {
      const a = firstDraws[index]!;
      const b = secondDraws[index]!;
      return a === null || b === null ? null : b - a;
    });
    return { value: second - first, ...intervalOf(differences) };
  };
  return {
    run: run.json.run,
    against: baseline.json.run,
    pass_rate: difference('passRate'),
    mean_reward: difference('meanReward'),
    cost_per_trial: difference('costPerTrial'),
    tokens_per_trial: difference('tokensPerTrial'),
    latency_p50_ms: difference('latencyP50'),
    latency_resamples: Math.min(baseline.draws.latencyP50.length, run.draws.latencyP50.length),
  };
}
