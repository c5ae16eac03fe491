import { describe, expect, it } from 'vitest';
import { bootstrapInterval, exactPercentile, seededRandom } from '../../src/analytics/bootstrap.js';
import { compareReport } from '../../src/analytics/compare-report.js';
import { compareRuns, maximumComparedCalls, parseComparedRuns } from '../../src/analytics/compare-runs.js';
import type { EvalOutcome, RunCall } from '../../src/domain/eval-outcome.js';
import type { OutcomeStore } from '../../src/store/store.js';

function call(run: string, trial: string | null, fields: Partial<RunCall> = {}): RunCall {
  return {
    run, trial, provider: 'openai', model: 'gpt-4o', served: true, cached: false, costUsd: 0, inputTokens: 0, outputTokens: 0,
    cacheReadTokens: 0, cacheWriteTokens: 0, latencyMs: 100, timeToFirstByteMs: null, attempts: 1, retries: 0, fallback: false, servingMs: null, ...fields,
  };
}

function outcome(run: string, trial: string, passed: boolean, reward = passed ? 1 : 0): EvalOutcome {
  return { run, trial, passed, reward, task: null, metadata: null, recordedAt: 0 };
}

// Run A: two trials, one passed; a fallback after a retry and a failed call. Run B: three trials (one known
// only by its outcome), two passed; a cache hit and a call without a trial.
const calls: RunCall[] = [
  call('A', 't1', { costUsd: 0.01, inputTokens: 100, outputTokens: 50, cacheReadTokens: 40, latencyMs: 1000, timeToFirstByteMs: 200, servingMs: 1000 }),
  call('A', 't1', { provider: 'anthropic', model: 'claude', costUsd: 0.03, inputTokens: 300, outputTokens: 100, cacheWriteTokens: 60, latencyMs: 3000, timeToFirstByteMs: 400, attempts: 3, retries: 1, fallback: true, servingMs: 2000 }),
  call('A', 't2', { served: false, costUsd: null, latencyMs: 500, attempts: 2, retries: 1 }),
  call('B', 't1', { costUsd: 0.002, inputTokens: 100, outputTokens: 40, latencyMs: 400, timeToFirstByteMs: 100, servingMs: 400 }),
  call('B', 't2', { cached: true, latencyMs: 5, timeToFirstByteMs: 5, attempts: 0 }),
  call('B', null, { costUsd: 0.004, inputTokens: 10, outputTokens: 10, latencyMs: 600, servingMs: 600 }),
  call('other', 't1', { costUsd: 99 }),
];
const outcomes = new Map([
  ['A', [outcome('A', 't1', true), outcome('A', 't2', false)]],
  ['B', [outcome('B', 't1', true), outcome('B', 't2', true, 0.8), outcome('B', 't3', false, 0.2)]],
]);

describe('compare report', () => {
  const report = compareReport({ runs: ['A', 'B'], calls, outcomes });
  const [runA, runB] = report.runs;

  it('measures each run from its calls and outcomes', () => {
    expect(runA).toMatchObject({
      run: 'A', calls: 3, calls_without_trial: 0, trials: 2, outcomes: 2, passed: 1, unpriced_calls: 1,
      calls_per_trial: 1.5, attempts_per_trial: 3, cache_hit_rate: 0,
      latency_ms: { p50: 2000, p95: 2900 }, time_to_first_token_ms: { p50: 300, p95: 390 }, throughput_tokens_per_s: { p50: 50 },
    });
    expect(runA!.pass_rate.value).toBe(0.5);
    expect(runA!.mean_reward.value).toBe(0.5);
    expect(runA!.cost_usd).toBeCloseTo(0.04, 12);
    expect(runA!.cost_per_trial.value).toBeCloseTo(0.02, 12);
    expect(runA!.cost_per_passed_trial).toBeCloseTo(0.04, 12);
    expect(runA!.tokens_per_trial).toMatchObject({ input: 200, output: 75, cache_read: 20, cache_write: 30, total: { value: 275 } });
    expect(runA!.fallback_rate).toBeCloseTo(1 / 3, 12);
    expect(runA!.retry_rate).toBeCloseTo(2 / 6, 12);
    expect(runA!.error_rate).toBeCloseTo(1 / 3, 12);
    expect(runA!.mix).toEqual([
      { target: 'openai:gpt-4o', provider: 'openai', model: 'gpt-4o', calls: 2, call_share: 2 / 3, cost_usd: 0.01, cost_share: expect.closeTo(0.25, 12) },
      { target: 'anthropic:claude', provider: 'anthropic', model: 'claude', calls: 1, call_share: 1 / 3, cost_usd: 0.03, cost_share: expect.closeTo(0.75, 12) },
    ]);

    expect(runB).toMatchObject({ run: 'B', calls: 3, calls_without_trial: 1, trials: 3, outcomes: 3, passed: 2, unpriced_calls: 0, latency_ms: { p50: 400 } });
    expect(runB!.pass_rate.value).toBeCloseTo(2 / 3, 12);
    expect(runB!.mean_reward.value).toBeCloseTo(2 / 3, 12);
    expect(runB!.cache_hit_rate).toBeCloseTo(1 / 3, 12);
    // Per trial: the trial-labelled calls only (0.002 USD, 100 input tokens, two calls) over three trials.
    expect(runB!.cost_per_trial.value).toBeCloseTo(0.002 / 3, 12);
    expect(runB!.cost_per_passed_trial).toBeCloseTo(0.001, 12);
    expect(runB!.tokens_per_trial.input).toBeCloseTo(100 / 3, 12);
    expect(runB!.calls_per_trial).toBeCloseTo(2 / 3, 12);
    // Served, non-cached calls with output: 40 tokens in 0.4 s and 10 in 0.6 s.
    expect(runB!.throughput_tokens_per_s.p50).toBeCloseTo((100 + 10 / 0.6) / 2, 9);
  });

  it('gives 95% intervals that hold the estimate and stay in range', () => {
    for (const run of report.runs) {
      for (const estimate of [run.pass_rate, run.mean_reward, run.cost_per_trial, run.tokens_per_trial.total]) {
        expect(estimate.low).not.toBeNull();
        expect(estimate.low!).toBeLessThanOrEqual(estimate.value! + 1e-12);
        expect(estimate.high!).toBeGreaterThanOrEqual(estimate.value! - 1e-12);
      }
      expect(run.pass_rate.low!).toBeGreaterThanOrEqual(0);
      expect(run.pass_rate.high!).toBeLessThanOrEqual(1);
    }
    // A's served latencies are all in t1 (1000 and 3000 ms): every resample with t1 has the same median.
    expect(runA!.latency_ms.p50_interval).toEqual({ low: 2000, high: 2000 });
    // Two trials, one passed: resamples pass none, one or both.
    expect(runA!.pass_rate).toEqual({ value: 0.5, low: 0, high: 1 });
  });

  it('reports B − A with intervals, reproducibly', () => {
    const [difference] = report.differences;
    expect(difference).toMatchObject({ run: 'B', against: 'A' });
    expect(difference!.pass_rate.value).toBeCloseTo(2 / 3 - 1 / 2, 12);
    expect(difference!.mean_reward.value).toBeCloseTo(2 / 3 - 1 / 2, 12);
    expect(difference!.cost_per_trial.value).toBeCloseTo(0.002 / 3 - 0.02, 12);
    expect(difference!.tokens_per_trial.value).toBeCloseTo(140 / 3 - 275, 9);
    expect(difference!.latency_p50_ms.value).toBe(400 - 2000);
    for (const estimate of [difference!.pass_rate, difference!.cost_per_trial, difference!.tokens_per_trial, difference!.latency_p50_ms]) {
      expect(estimate.low!).toBeLessThanOrEqual(estimate.value! + 1e-9);
      expect(estimate.high!).toBeGreaterThanOrEqual(estimate.value! - 1e-9);
    }
    // A resample of A costs 0 to 0.04 per trial, one of B 0 to 0.002: the differences lie between those bounds.
    expect(difference!.cost_per_trial.low!).toBeGreaterThanOrEqual(-0.04 - 1e-12);
    expect(difference!.cost_per_trial.low!).toBeLessThan(-0.01);
    expect(difference!.cost_per_trial.high!).toBeLessThanOrEqual(0.002 + 1e-12);
    expect(compareReport({ runs: ['A', 'B'], calls, outcomes })).toEqual(report);
  });

  it('reports a run without calls or outcomes as empty, not an error', () => {
    const empty = compareReport({ runs: ['A', 'nothing'], calls, outcomes });
    expect(empty.runs[1]).toMatchObject({ run: 'nothing', calls: 0, trials: 0, pass_rate: { value: null, low: null, high: null }, latency_ms: { p50: null }, mix: [] });
    expect(empty.differences[0]!.pass_rate).toEqual({ value: null, low: null, high: null });
  });
});

describe('bootstrap', () => {
  it('interpolates exact percentiles between ranks', () => {
    expect(exactPercentile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(exactPercentile([10, 20], 0.95)).toBe(19.5);
    expect(exactPercentile([], 0.5)).toBeNull();
  });

  it('is seeded, and near the normal interval for a mean of many trials', () => {
    expect(seededRandom(7)()).toBe(seededRandom(7)());
    // 400 trials, 100 passed: the 95% interval of the rate is about 0.25 ± 1.96·√(0.25·0.75/400) = ±0.042.
    const passed = Array.from({ length: 400 }, (_, index) => (index < 100 ? 1 : 0));
    const rate = (indices: Uint32Array) => indices.reduce((total, index) => total + passed[index]!, 0) / indices.length;
    const interval = bootstrapInterval(passed.length, rate, seededRandom(1));
    expect(interval.low!).toBeCloseTo(0.25 - 0.042, 1);
    expect(interval.high!).toBeCloseTo(0.25 + 0.042, 1);
    expect(interval.low!).toBeGreaterThan(0.19);
    expect(interval.high!).toBeLessThan(0.31);
  });
});

describe('compareRuns', () => {
  const store = (calls: RunCall[], limitSeen: number[] = []): OutcomeStore => ({
    recordOutcomes: async () => [],
    listOutcomes: async (run) => outcomes.get(run) ?? [],
    summarizeRuns: async () => [],
    requestCalls: async () => [],
    runCalls: async (runs, limit) => {
      limitSeen.push(limit);
      return calls.filter((candidate) => runs.includes(candidate.run)).slice(0, limit);
    },
  });

  it('asks for one call more than it accepts, and refuses runs beyond the bound', async () => {
    const limits: number[] = [];
    await compareRuns(store(calls, limits), ['A', 'B']);
    expect(limits).toEqual([maximumComparedCalls + 1]);
    const many = Array.from({ length: maximumComparedCalls + 1 }, () => call('A', 't1'));
    await expect(compareRuns(store(many), ['A', 'B'])).rejects.toMatchObject({ code: 'invalid_request', param: 'runs' });
  });

  it('names a run with neither calls nor outcomes; a run with outcomes only is compared', async () => {
    await expect(compareRuns(store(calls), ['A', 'typo'])).rejects.toMatchObject({ code: 'run_not_found', message: "No calls or outcomes for run 'typo'." });
    const report = await compareRuns(store(calls.filter((candidate) => candidate.run !== 'B')), ['A', 'B']);
    expect(report.runs[1]).toMatchObject({ run: 'B', calls: 0, trials: 3 });
  });

  it('parses runs=A,B: two to five distinct ids', () => {
    expect(parseComparedRuns(' A , B,C ')).toEqual(['A', 'B', 'C']);
    for (const text of [undefined, '', 'A', 'A,B,C,D,E,F', 'A,A', `A,${'x'.repeat(129)}`]) expect(() => parseComparedRuns(text), String(text)).toThrow();
  });
});
