import type { CompareReport } from '../analytics/compare-report.js';
import { formatTable } from './format-table.js';
import { compareMeasures, count, milliseconds, percent, signed, usd, withInterval } from './compare-format.js';

/**
 * `sluice compare`'s terminal output: one column per run, one line per measure, then each later run's
 * differences from the first, intervals in brackets.
 */
export function compareTable(report: CompareReport): string {
  const runs = report.runs;
  const measures = formatTable(
    ['', ...runs.map((run) => run.run)],
    compareMeasures(3).map((measure) => [measure.label, ...runs.map((run) => measure.valueOf(run))]),
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
