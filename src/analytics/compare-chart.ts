import { milliseconds, percent, usd, withInterval } from './compare-format.js';
import type { CompareReport, Estimate } from './compare-report.js';

/**
 * The compare report's charts as geometry: horizontal bars, one per run, each with a whisker across its 95%
 * interval and the value written beside it. `sluice compare --html` writes them as SVG text, the dashboard's
 * Compare view draws them as SVG elements; both take the layout from here, so the two pictures agree. Pure,
 * and importing nothing at run time besides the formats, because the dashboard's bundle includes it.
 */

/** One row of a chart, in the chart's own pixels. */
export interface IntervalChartRow {
  /** The run's name, whole (a tooltip) and cut to fit the label column. */
  name: string;
  label: string;
  /** The estimate with its interval, as the tables write it. */
  text: string;
  color: string;
  /** Where the row's texts sit (their baseline). */
  textY: number;
  bar: { x: number; y: number; width: number; height: number };
  /** The whisker from the interval's low to its high; null when the interval is unknown. */
  interval: { x1: number; x2: number; y: number; capTop: number; capBottom: number } | null;
}

export interface IntervalChart {
  /** A stable id (`pass-rate`): the HTML page's figure ids, the dashboard's test ids. */
  id: string;
  title: string;
  width: number;
  height: number;
  /** Where the value texts start. */
  valueX: number;
  rows: IntervalChartRow[];
}

/** Run colours, in the report's order; each bar also carries its run's name, so colour is never the only cue. */
export const runPalette = ['#3b6fd8', '#e07b39', '#3aa57a', '#b04fbf', '#c9a227'] as const;

const labelWidth = 130;
const barArea = 260;
const valueWidth = 190;
/**
 * A value text's width per character at the charts' 12px font (digits are about 6.7px wide):
 * a chart widens for a long value with its interval ("$0.00314 [$0.00262, $0.00366]") instead of cutting it.
 */
const valueCharacterWidth = 7.2;
const rowHeight = 30;
const longestLabel = 18;

/** A chart of one estimate per run; `fixedMaximum` keeps the scale's end (a rate's 100%) even when every bar is short. */
export function intervalChart(
  id: string,
  title: string,
  bars: ReadonlyArray<{ name: string; estimate: Estimate }>,
  unit: (value: number | null) => string,
  fixedMaximum?: number,
): IntervalChart {
  const extent = Math.max(fixedMaximum ?? 0, ...bars.flatMap((bar) => [bar.estimate.value ?? 0, bar.estimate.high ?? 0]));
  const scale = (value: number) => (extent <= 0 ? 0 : (Math.max(0, value) / extent) * barArea);
  const rows = bars.map((bar, index): IntervalChartRow => {
    const y = 5 + index * rowHeight;
    const { value, low, high } = bar.estimate;
    return {
      name: bar.name,
      label: bar.name.length <= longestLabel ? bar.name : `${bar.name.slice(0, longestLabel - 1)}…`,
      text: withInterval(bar.estimate, unit),
      color: runPalette[index % runPalette.length]!,
      textY: y + 15,
      bar: { x: labelWidth, y: y + 3, width: scale(value ?? 0), height: 16 },
      interval: low === null || high === null ? null : { x1: labelWidth + scale(low), x2: labelWidth + scale(high), y: y + 11, capTop: y + 5, capBottom: y + 17 },
    };
  });
  const valuesWidth = Math.max(valueWidth, 8 + Math.ceil(Math.max(0, ...rows.map((row) => row.text.length)) * valueCharacterWidth));
  return { id, title, width: labelWidth + barArea + valuesWidth, height: bars.length * rowHeight + 10, valueX: labelWidth + barArea + 8, rows };
}

/** The report's charts, in order: pass rate (on a 0–100% scale), cost per trial, latency p50. */
export function compareCharts(report: CompareReport): IntervalChart[] {
  const bars = (estimate: (run: CompareReport['runs'][number]) => Estimate) => report.runs.map((run) => ({ name: run.run, estimate: estimate(run) }));
  return [
    intervalChart('pass-rate', 'Pass rate', bars((run) => run.pass_rate), percent, 1),
    intervalChart('cost-per-trial', 'Cost per trial', bars((run) => run.cost_per_trial), usd),
    intervalChart('latency-p50', 'Latency p50', bars((run) => ({ value: run.latency_ms.p50, ...run.latency_ms.p50_interval })), milliseconds),
  ];
}
