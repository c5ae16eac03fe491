import type { CompareReport, Estimate } from '../analytics/compare-report.js';
import { compareMeasures, count, milliseconds, percent, signed, usd, withInterval, type CompareMeasure } from './compare-format.js';

/**
 * `sluice compare --html`: the report as one self-contained page — inline CSS, inline SVG bar charts drawn
 * here, no script and nothing fetched — so it can be mailed, attached to a pull request or opened offline.
 */
export function compareHtml(report: CompareReport, generatedAt: Date): string {
  const names = report.runs.map((run) => run.run);
  const title = `Sluice compare: ${names.join(' vs ')}`;
  const latency = (run: CompareReport['runs'][number]): Estimate => ({ value: run.latency_ms.p50, ...run.latency_ms.p50_interval });
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
${barChart('Pass rate', 'pass-rate', report.runs.map((run) => ({ name: run.run, estimate: run.pass_rate })), percent, 1)}
${barChart('Cost per trial', 'cost-per-trial', report.runs.map((run) => ({ name: run.run, estimate: run.cost_per_trial })), usd)}
${barChart('Latency p50', 'latency-p50', report.runs.map((run) => ({ name: run.run, estimate: latency(run) })), milliseconds)}
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

const palette = ['#3b6fd8', '#e07b39', '#3aa57a', '#b04fbf', '#c9a227'];

/** Horizontal bars, one per run, each with a whisker across its interval and the value written beside it. */
function barChart(title: string, id: string, bars: ReadonlyArray<{ name: string; estimate: Estimate }>, unit: (value: number | null) => string, fixedMaximum?: number): string {
  const labelWidth = 130;
  const barArea = 260;
  const valueWidth = 190;
  const rowHeight = 30;
  const height = bars.length * rowHeight + 10;
  const extent = Math.max(fixedMaximum ?? 0, ...bars.flatMap((bar) => [bar.estimate.value ?? 0, bar.estimate.high ?? 0]));
  const scale = (value: number) => (extent <= 0 ? 0 : (Math.max(0, value) / extent) * barArea);
  const rows = bars.map((bar, index) => {
    const y = 5 + index * rowHeight;
    const { value, low, high } = bar.estimate;
    const whisker =
      low === null || high === null
        ? ''
        : `<line class="interval" x1="${labelWidth + scale(low)}" x2="${labelWidth + scale(high)}" y1="${y + 11}" y2="${y + 11}" stroke="#1d2330" stroke-width="1.5"/>` +
          `<line x1="${labelWidth + scale(low)}" x2="${labelWidth + scale(low)}" y1="${y + 5}" y2="${y + 17}" stroke="#1d2330"/>` +
          `<line x1="${labelWidth + scale(high)}" x2="${labelWidth + scale(high)}" y1="${y + 5}" y2="${y + 17}" stroke="#1d2330"/>`;
    return (
      `<text x="0" y="${y + 15}">${escapeHtml(truncate(bar.name, 18))}</text>` +
      `<rect class="bar" x="${labelWidth}" y="${y + 3}" width="${scale(value ?? 0)}" height="16" fill="${palette[index % palette.length]}"><title>${escapeHtml(`${bar.name}: ${withInterval(bar.estimate, unit)}`)}</title></rect>` +
      whisker +
      `<text x="${labelWidth + barArea + 8}" y="${y + 15}">${escapeHtml(withInterval(bar.estimate, unit))}</text>`
    );
  });
  const width = labelWidth + barArea + valueWidth;
  return `<figure id="${id}"><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows.join('')}</svg></figure>`;
}

function runsTable(report: CompareReport): string {
  const row = (measure: CompareMeasure) =>
    `<tr><td>${escapeHtml(measure.label)}</td>${report.runs.map((run) => `<td>${escapeHtml(measure.valueOf(run))}</td>`).join('')}</tr>`;
  return `<table id="runs"><thead><tr><th></th>${report.runs.map((run) => `<th>${escapeHtml(run.run)}</th>`).join('')}</tr></thead><tbody>
${compareMeasures().map(row).join('\n')}
</tbody></table>`;
}

function differencesTable(report: CompareReport): string {
  const rows = report.differences.map(
    (difference) =>
      `<tr><td>${escapeHtml(`${difference.run} − ${difference.against}`)}</td>${[
        withInterval(difference.pass_rate, signed(percent)),
        withInterval(difference.mean_reward, signed((value) => count(value, 3))),
        withInterval(difference.cost_per_trial, signed(usd)),
        withInterval(difference.tokens_per_trial, signed((value) => count(value, 0))),
        withInterval(difference.latency_p50_ms, signed(milliseconds)),
      ]
        .map((cell) => `<td>${escapeHtml(cell)}</td>`)
        .join('')}</tr>`,
  );
  return `<table id="differences"><thead><tr><th></th><th>pass rate</th><th>mean reward</th><th>cost / trial</th><th>tokens / trial</th><th>latency p50</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);
}
