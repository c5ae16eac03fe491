import type { CompareReport } from '../analytics/compare-report.js';
import { formatTable } from './format-table.js';
import { count, milliseconds, percent, signed, usd, withInterval } from './compare-format.js';

/**
 * `sluice compare`'s terminal output: one column per run, one line per measure, then each later run's
 * differences from the first, intervals in brackets.
 */
export function compareTable(report: CompareReport): string {
  const runs = report.runs;
  const line = (measure: string, valueOf: (run: CompareReport['runs'][number]) => string) => [measure, ...runs.map(valueOf)];
  const measures = formatTable(
    ['', ...runs.map((run) => run.run)],
    [
      line('trials', (run) => String(run.trials)),
      line('outcomes (passed)', (run) => `${run.outcomes} (${run.passed})`),
      line('pass rate', (run) => withInterval(run.pass_rate, percent)),
      line('mean reward', (run) => withInterval(run.mean_reward, (value) => count(value, 3))),
      line('cost', (run) => usd(run.cost_usd) + (run.unpriced_calls > 0 ? ` (${run.unpriced_calls} unpriced)` : '')),
      line('cost / trial', (run) => withInterval(run.cost_per_trial, usd)),
      line('cost / passed trial', (run) => usd(run.cost_per_passed_trial)),
      line('tokens / trial in+out', (run) => withInterval(run.tokens_per_trial.total, (value) => count(value, 0))),
      line('  input / output', (run) => `${count(run.tokens_per_trial.input, 0)} / ${count(run.tokens_per_trial.output, 0)}`),
      line('  cache read / write', (run) => `${count(run.tokens_per_trial.cache_read, 0)} / ${count(run.tokens_per_trial.cache_write, 0)}`),
      line('calls (no trial)', (run) => `${run.calls} (${run.calls_without_trial})`),
      line('calls / trial', (run) => count(run.calls_per_trial, 2)),
      line('attempts / trial', (run) => count(run.attempts_per_trial, 2)),
      line('cache hit rate', (run) => percent(run.cache_hit_rate)),
      line('error rate', (run) => percent(run.error_rate)),
      line('fallback rate', (run) => percent(run.fallback_rate)),
      line('retry rate', (run) => percent(run.retry_rate)),
      line('latency p50 / p95', (run) => `${milliseconds(run.latency_ms.p50)} / ${milliseconds(run.latency_ms.p95)}`),
      line('TTFT p50 / p95', (run) => `${milliseconds(run.time_to_first_token_ms.p50)} / ${milliseconds(run.time_to_first_token_ms.p95)}`),
      line('output tokens/s p50', (run) => count(run.throughput_tokens_per_s.p50, 1)),
      line('mix (calls / cost)', (run) => run.mix.slice(0, 3).map((target) => `${target.target} ${percent(target.call_share)}/${percent(target.cost_share)}`).join(', ') || '–'),
    ],
  );
  if (report.differences.length === 0) return `${measures}\n`;
  const differences = formatTable(
    ['difference', 'pass rate', 'mean reward', 'cost / trial', 'tokens / trial', 'latency p50'],
    report.differences.map((difference) => [
      `${difference.run} − ${difference.against}`,
      withInterval(difference.pass_rate, signed(percent)),
      withInterval(difference.mean_reward, signed((value) => count(value, 3))),
      withInterval(difference.cost_per_trial, signed(usd)),
      withInterval(difference.tokens_per_trial, signed((value) => count(value, 0))),
      withInterval(difference.latency_p50_ms, signed(milliseconds)),
    ]),
  );
  return `${measures}\n\n${differences}\n\n95% intervals in brackets: bootstrap over trials, ${report.bootstrap.resamples} resamples.\n`;
}
