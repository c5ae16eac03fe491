import { compareCharts, type IntervalChart } from '../analytics/compare-chart.js';
import { compareMeasures, differenceLabel, differenceMeasures, type CompareMeasure } from '../analytics/compare-format.js';
import type { CompareReport } from '../analytics/compare-report.js';

/**
 * `sluice compare --html`: the report as one self-contained page — inline CSS, inline SVG bar charts laid
 * out by `compare-chart.ts` (the dashboard's Compare view draws the same), no script and nothing fetched —
 * so it can be mailed, attached to a pull request or opened offline.
 */
export function compareHtml(report: CompareReport, generatedAt: Date): string {
  const names = report.runs.map((run) => run.run);
  const title = `Sluice compare: ${names.join(' vs ')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${styles}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">Generated ${escapeHtml(generatedAt.toISOString())}. Intervals are 95%, bootstrap over trials (${report.bootstrap.resamples} resamples, seed ${report.bootstrap.seed}).</p>
<section class="charts">
${compareCharts(report).map(chartSvg).join('\n')}
</section>
<h2>Runs</h2>
${runsTable(report)}
${report.differences.length === 0 ? '' : `<h2>Differences from ${escapeHtml(names[0]!)}</h2>\n${differencesTable(report)}`}
</body>
</html>
`;
}

const styles = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d2330; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.note { color: #5b6474; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; border: 1px solid #dde2ea; border-radius: 6px; padding: 0.75rem; }
figcaption { font-weight: 600; margin-bottom: 0.25rem; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2330; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #e6e9ef; padding: 0.3rem 0.6rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f4f6f9; }
`;

/** A chart's geometry (`compare-chart.ts`, which the dashboard draws too) as inline SVG. */
function chartSvg(chart: IntervalChart): string {
  const rows = chart.rows.map((row) => {
    const whisker =
      row.interval === null
        ? ''
        : `<line class="interval" x1="${row.interval.x1}" x2="${row.interval.x2}" y1="${row.interval.y}" y2="${row.interval.y}" stroke="#1d2330" stroke-width="1.5"/>` +
          `<line x1="${row.interval.x1}" x2="${row.interval.x1}" y1="${row.interval.capTop}" y2="${row.interval.capBottom}" stroke="#1d2330"/>` +
          `<line x1="${row.interval.x2}" x2="${row.interval.x2}" y1="${row.interval.capTop}" y2="${row.interval.capBottom}" stroke="#1d2330"/>`;
    return (
      `<text x="0" y="${row.textY}">${escapeHtml(row.label)}</text>` +
      `<rect class="bar" x="${row.bar.x}" y="${row.bar.y}" width="${row.bar.width}" height="${row.bar.height}" fill="${row.color}"><title>${escapeHtml(`${row.name}: ${row.text}`)}</title></rect>` +
      whisker +
      `<text x="${chart.valueX}" y="${row.textY}">${escapeHtml(row.text)}</text>`
    );
  });
  return `<figure id="${chart.id}"><figcaption>${escapeHtml(chart.title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(chart.title)}" width="${chart.width}" height="${chart.height}" viewBox="0 0 ${chart.width} ${chart.height}">${rows.join('')}</svg></figure>`;
}

function runsTable(report: CompareReport): string {
  const row = (measure: CompareMeasure) =>
    `<tr><td>${escapeHtml(measure.label)}</td>${report.runs.map((run) => `<td>${escapeHtml(measure.valueOf(run))}</td>`).join('')}</tr>`;
  return `<table id="runs"><thead><tr><th></th>${report.runs.map((run) => `<th>${escapeHtml(run.run)}</th>`).join('')}</tr></thead><tbody>
${compareMeasures().map(row).join('\n')}
</tbody></table>`;
}

function differencesTable(report: CompareReport): string {
  const columns = differenceMeasures();
  const rows = report.differences.map(
    (difference) => `<tr><td>${escapeHtml(differenceLabel(difference))}</td>${columns.map((column) => `<td>${escapeHtml(column.valueOf(difference))}</td>`).join('')}</tr>`,
  );
  return `<table id="differences"><thead><tr><th></th>${columns.map((column) => `<th>${escapeHtml(column.label)}</th>`).join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);
}
