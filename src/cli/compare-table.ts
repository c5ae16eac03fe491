import type { CompareReport } from '../analytics/compare-report.js';
import { formatTable } from './format-table.js';
import { compareMeasures, differenceLabel, differenceMeasures } from '../analytics/compare-format.js';

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
  const columns = differenceMeasures();
  const differences = formatTable(
    ['difference', ...columns.map((column) => column.label)],
    report.differences.map((difference) => [differenceLabel(difference), ...columns.map((column) => column.valueOf(difference))]),
  );
  return `${measures}\n\n${differences}\n\n95% intervals in brackets: bootstrap over trials, ${report.bootstrap.resamples} resamples.\n`;
}
