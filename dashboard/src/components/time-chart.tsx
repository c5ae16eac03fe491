import { useEffect, useRef, useState } from 'preact/hooks';
import { dateTime } from '../format.js';
import uPlot from 'uplot';
import { seriesFill, seriesStyle } from './series-style.js';

export interface ChartSeries {
  label: string;
  values: number[];
}

interface TimeChartProps {
  /** Bucket starts (ISO). */
  buckets: string[];
  series: ChartSeries[];
  /** Stacked bars (spend by model), or lines (calls and errors, told apart by dash). */
  mode: 'stacked' | 'lines';
  format: (value: number) => string;
  /** What the chart shows, for screen readers. */
  title: string;
  height?: number;
}

/**
 * A uPlot chart over time. Stacked mode draws each bucket's groups as one bar, the largest group at the
 * bottom; series are drawn from the cumulative total down, so each visible band is one group. Its legend
 * lists groups bottom to top, matching the patterns, so no colour is needed; it shows the window totals,
 * or the values of the bucket under the pointer.
 */
export function TimeChart(props: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  // Callers build their series arrays on every render; redraw only when the numbers change.
  const signature = JSON.stringify([props.mode, props.buckets, props.series]);
  const [hovered, setHovered] = useState<number | null>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const times = props.buckets.map((bucket) => Date.parse(bucket) / 1000);
    const context = document.createElement('canvas').getContext('2d')!;
    const pixelRatio = window.devicePixelRatio || 1;
    const drawn = props.mode === 'stacked' ? stackedSeries(props.series) : props.series.map((series, index) => ({ ...series, index }));
    const options: uPlot.Options = {
      width: Math.max(280, element.clientWidth),
      height: props.height ?? 240,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      hooks: { setCursor: [(self) => setHovered(self.cursor.idx ?? null)] },
      scales: { x: { time: true }, y: { range: (_self, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      axes: [{ stroke: '#555' }, { stroke: '#555', size: 64, values: (_self, ticks) => ticks.map((tick) => props.format(tick)) }],
      series: [
        {},
        ...drawn.map((series) => {
          const style = seriesStyle(series.index);
          return props.mode === 'stacked'
            ? { label: series.label, stroke: style.colour, width: 0, fill: seriesFill(context, style, pixelRatio), paths: uPlot.paths.bars!({ size: [0.8, 48] }), points: { show: false } }
            : { label: series.label, stroke: style.colour, width: 2, dash: series.index === 0 ? undefined : [6, 4], points: { show: false } };
        }),
      ],
    };
    const chart = new uPlot(options, [times, ...drawn.map((series) => series.values)], element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(280, element.clientWidth), height: options.height }));
    resize.observe(element);
    setHovered(null);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [signature]);

  return (
    <figure class="chart">
      <div ref={host} class="chart-canvas" role="img" aria-label={props.title} />
      <figcaption>
        <p class="legend-when muted small">{hovered !== null && props.buckets[hovered] ? `At ${dateTime(props.buckets[hovered])}` : 'Whole window'}</p>
        <ol class="legend">
          {props.series.map((series, index) => (
            <li key={series.label}>
              <Swatch index={index} line={props.mode === 'lines'} />
              <span class="legend-label">{series.label}</span>
              <span class="legend-value">{props.format(hovered !== null ? (series.values[hovered] ?? 0) : series.values.reduce((sum, value) => sum + value, 0))}</span>
            </li>
          ))}
        </ol>
      </figcaption>
    </figure>
  );
}

/** Cumulative sums, drawn from the total down so each group's band shows between its neighbours. */
function stackedSeries(series: ChartSeries[]): Array<ChartSeries & { index: number }> {
  const cumulative: Array<ChartSeries & { index: number }> = [];
  let running: number[] = [];
  series.forEach((entry, index) => {
    running = entry.values.map((value, bucket) => value + (running[bucket] ?? 0));
    cumulative.push({ label: entry.label, values: running, index });
  });
  return cumulative.reverse();
}

/** The legend's key: the band's pattern (stacked), or the line with its dash (lines). */
function Swatch(props: { index: number; line: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const pen = canvas.current?.getContext('2d');
    if (!pen) return;
    const style = seriesStyle(props.index);
    pen.clearRect(0, 0, 24, 16);
    pen.strokeStyle = style.colour;
    pen.lineWidth = 2;
    if (props.line) {
      if (props.index > 0) pen.setLineDash([6, 4]);
      pen.beginPath();
      pen.moveTo(0, 8);
      pen.lineTo(24, 8);
      pen.stroke();
      return;
    }
    pen.fillStyle = seriesFill(pen, style);
    pen.fillRect(0, 0, 24, 16);
    pen.strokeRect(1, 1, 22, 14);
  }, [props.index, props.line]);
  return <canvas ref={canvas} class="swatch" width={24} height={16} aria-hidden="true" />;
}
