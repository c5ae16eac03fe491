import type { CompareReport, Estimate } from './compare-report.js';

/**
 * How the compare report's numbers read in the terminal table, the HTML page (`sluice compare`) and the
 * dashboard's Compare view: one place, so they agree. Pure, and importing nothing at run time, because the
 * dashboard's bundle includes it.
 */

export function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

export function usd(value: number | null): string {
  if (value === null) return '–';
  const magnitude = Math.abs(value);
  return `${value < 0 ? '-' : ''}$${magnitude >= 1 ? magnitude.toFixed(2) : magnitude >= 0.01 ? magnitude.toFixed(4) : magnitude.toPrecision(3)}`;
}

export function count(value: number | null, digits = 1): string {
  if (value === null) return '–';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

export function milliseconds(value: number | null): string {
  return value === null ? '–' : `${Math.round(value)} ms`;
}

/**
 * `50.0% [25.0%, 75.0%]`: an estimate and its 95% interval in one unit (the dashboard breaks a narrow
 * column's line at the ` [`).
 */
export function withInterval(estimate: Estimate, unit: (value: number | null) => string): string {
  if (estimate.value === null) return '–';
  if (estimate.low === null || estimate.high === null) return unit(estimate.value);
  return `${unit(estimate.value)} [${unit(estimate.low)}, ${unit(estimate.high)}]`;
}

/** A signed difference: `+12.5%`, `-$0.0140`. */
export function signed(unit: (value: number | null) => string): (value: number | null) => string {
  return (value) => (value === null ? '–' : value > 0 ? `+${unit(value)}` : unit(value));
}

type ComparedRun = CompareReport['runs'][number];
type ComparedDifference = CompareReport['differences'][number];

/** One line of the per-run comparison: its label and how a run's value reads. */
export interface CompareMeasure {
  label: string;
  valueOf(run: ComparedRun): string;
}

/**
 * The per-run lines, in order, shared by the terminal table, the HTML page and the dashboard; `mixTargets`
 * caps the provider:model mix (the terminal shows the top few, the page every one).
 */
export function compareMeasures(mixTargets = Infinity): CompareMeasure[] {
  return [...runMeasures(), mixMeasure(mixTargets)];
}

/** The per-run lines before the provider:model mix (the dashboard shows the mix as a table of its own). */
export function runMeasures(): CompareMeasure[] {
  const line = (label: string, valueOf: (run: ComparedRun) => string): CompareMeasure => ({ label, valueOf });
  return [
    line('trials', (run) => String(run.trials)),
    line('outcomes (passed)', (run) => `${run.outcomes} (${run.passed})`),
    line('pass rate', (run) => withInterval(run.pass_rate, percent)),
    line('mean reward', (run) => withInterval(run.mean_reward, (value) => count(value, 3))),
    line('cost', (run) => usd(run.cost_usd) + (run.unpriced_calls > 0 ? ` (${run.unpriced_calls} unpriced)` : '')),
    line('cost / trial', (run) => withInterval(run.cost_per_trial, usd)),
    line('cost / passed trial', (run) => usd(run.cost_per_passed_trial)),
    line('tokens / trial (in + out)', (run) => withInterval(run.tokens_per_trial.total, (value) => count(value, 0))),
    line('input / output per trial', (run) => `${count(run.tokens_per_trial.input, 0)} / ${count(run.tokens_per_trial.output, 0)}`),
    line('cache read / write per trial', (run) => `${count(run.tokens_per_trial.cache_read, 0)} / ${count(run.tokens_per_trial.cache_write, 0)}`),
    line('calls (without trial)', (run) => `${run.calls} (${run.calls_without_trial})`),
    line('calls / trial', (run) => count(run.calls_per_trial, 2)),
    line('attempts / trial', (run) => count(run.attempts_per_trial, 2)),
    line('cache hit rate', (run) => percent(run.cache_hit_rate)),
    line('error rate', (run) => percent(run.error_rate)),
    line('fallback rate', (run) => percent(run.fallback_rate)),
    line('retry rate', (run) => percent(run.retry_rate)),
    line('latency p50 / p95', (run) => `${milliseconds(run.latency_ms.p50)} / ${milliseconds(run.latency_ms.p95)}`),
    line('time to first token p50 / p95', (run) => `${milliseconds(run.time_to_first_token_ms.p50)} / ${milliseconds(run.time_to_first_token_ms.p95)}`),
    line('output tokens/s p50', (run) => count(run.throughput_tokens_per_s.p50, 1)),
  ];
}

/** The provider:model mix in one line: each target's share of the calls / of the cost, most calls first. */
export function mixMeasure(mixTargets = Infinity): CompareMeasure {
  return {
    label: 'provider:model (calls / cost)',
    valueOf: (run) => run.mix.slice(0, mixTargets).map((target) => `${target.target} ${percent(target.call_share)} / ${percent(target.cost_share)}`).join('; ') || '–',
  };
}

/** One column of the differences from the baseline: its label and how a difference's value reads. */
export interface DifferenceMeasure {
  label: string;
  valueOf(difference: ComparedDifference): string;
}

/** The differences B − A, each with its 95% interval, in order. */
export function differenceMeasures(): DifferenceMeasure[] {
  const column = (label: string, valueOf: (difference: ComparedDifference) => string): DifferenceMeasure => ({ label, valueOf });
  return [
    column('pass rate', (difference) => withInterval(difference.pass_rate, signed(percent))),
    column('mean reward', (difference) => withInterval(difference.mean_reward, signed((value) => count(value, 3)))),
    column('cost / trial', (difference) => withInterval(difference.cost_per_trial, signed(usd))),
    column('tokens / trial', (difference) => withInterval(difference.tokens_per_trial, signed((value) => count(value, 0)))),
    column('latency p50', (difference) => withInterval(difference.latency_p50_ms, signed(milliseconds))),
  ];
}

/** A difference's row label: `B − A`. */
export function differenceLabel(difference: ComparedDifference): string {
  return `${difference.run} − ${difference.against}`;
}
