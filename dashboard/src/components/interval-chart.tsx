import type { IntervalChart } from '../../../src/analytics/compare-chart.js';

/**
 * A compare chart (one bar per run, a whisker across its 95% interval, the value beside it) drawn from the
 * layout `sluice compare --html` writes as SVG text, so the dashboard and the page show the same picture.
 */
export function IntervalChartFigure(props: { chart: IntervalChart }) {
  const { chart } = props;
  return (
    <figure class="interval-chart" data-testid={`chart-${chart.id}`}>
      <figcaption>{chart.title}</figcaption>
      <svg role="img" aria-label={chart.title} viewBox={`0 0 ${chart.width} ${chart.height}`} style={{ maxWidth: `${chart.width}px` }}>
        {chart.rows.map((row) => (
          <g key={row.name} data-run={row.name}>
            <text x={0} y={row.textY}>
              {row.label}
            </text>
            <rect class="bar" x={row.bar.x} y={row.bar.y} width={row.bar.width} height={row.bar.height} fill={row.color}>
              <title>{`${row.name}: ${row.text}`}</title>
            </rect>
            {row.interval && (
              <>
                <line class="interval" x1={row.interval.x1} x2={row.interval.x2} y1={row.interval.y} y2={row.interval.y} />
                <line x1={row.interval.x1} x2={row.interval.x1} y1={row.interval.capTop} y2={row.interval.capBottom} />
                <line x1={row.interval.x2} x2={row.interval.x2} y1={row.interval.capTop} y2={row.interval.capBottom} />
              </>
            )}
            <text class="value" x={chart.valueX} y={row.textY}>
              {row.text}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
