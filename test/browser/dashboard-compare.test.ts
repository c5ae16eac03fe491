import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCharts } from '../../src/analytics/compare-chart.js';
import { differenceLabel, differenceMeasures, percent, runMeasures, usd } from '../../src/analytics/compare-format.js';
import type { CompareReport } from '../../src/analytics/compare-report.js';
import type { AttemptRecord } from '../../src/domain/attempt-record.js';
import type { EvalOutcome } from '../../src/domain/eval-outcome.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';
import { testAttempt, testUsageRow } from '../helpers/usage-rows.js';

/**
 * The dashboard's Compare view in a real Chromium against a real gateway with seeded evaluation runs: the
 * runs listed for the window, picked into the URL, and every number shown equal to what
 * `GET /analytics/compare` answers for them; a shared link and a run that does not exist. Screenshots go to
 * test-artifacts/dashboard/.
 */
const chromiumPath = '/usr/bin/chromium';
const turnedOff = process.env.SLUICE_BROWSER_TESTS === 'off';
const haveChromium = !turnedOff && existsSync(chromiumPath);
if (!haveChromium) console.warn(`[dashboard compare browser test] skipping: ${turnedOff ? 'SLUICE_BROWSER_TESTS=off' : `${chromiumPath} is absent (apt-get install -y chromium)`}`);
const artifacts = join(process.cwd(), 'test-artifacts', 'dashboard');

let harness: TestGateway;
let browser: Browser;
let adminToken: string;

const hourMs = 3_600_000;

/**
 * Four runs 90 minutes to 2 hours old (outside the 1h window, inside 24h), ten trials each, two calls a
 * trial: `frontier` on Claude, dearer and mostly passing; `budget` on gpt-4o-mini, a retry and a fallback
 * to Claude in some trials; `fast` on gpt-4o; `spare` only to fill the list past three.
 */
async function seedRuns(): Promise<void> {
  const start = Date.now() - 2 * hourMs;
  const rows: UsageRow[] = [];
  const outcomes: EvalOutcome[] = [];
  const runs = [
    { run: 'frontier', provider: 'anthropic', model: 'claude-sonnet-4-5', costUsd: 0.02, latencyMs: 2400, passEvery: 5 },
    { run: 'budget', provider: 'openai', model: 'gpt-4o-mini', costUsd: 0.002, latencyMs: 800, passEvery: 2 },
    { run: 'fast', provider: 'openai', model: 'gpt-4o', costUsd: 0.008, latencyMs: 600, passEvery: 3 },
    { run: 'spare', provider: 'openai', model: 'gpt-4o-mini', costUsd: 0.001, latencyMs: 500, passEvery: 2 },
  ];
  runs.forEach((spec, runIndex) => {
    for (let trial = 0; trial < 10; trial++) {
      for (let call = 0; call < 2; call++) {
        const index = trial * 2 + call;
        const fellBack = spec.run === 'budget' && trial % 4 === 0 && call === 0;
        const retried = spec.run === 'budget' && trial % 3 === 0 && call === 1;
        const serving = fellBack ? 'anthropic:claude-sonnet-4-5' : `${spec.provider}:${spec.model}`;
        const trail: AttemptRecord[] = fellBack
          ? [testAttempt(`${spec.provider}:${spec.model}`, { statusCode: 502, errorCode: 'upstream_error', durationMs: 100 }), testAttempt(serving, { durationMs: 1500 })]
          : retried
            ? [testAttempt(serving, { statusCode: 429, errorCode: 'upstream_error', durationMs: 50 }), testAttempt(serving, { durationMs: spec.latencyMs })]
            : [testAttempt(serving, { durationMs: spec.latencyMs + index * 10 })];
        rows.push(
          testUsageRow(`01CMPVIEW${runIndex}${String(index).padStart(3, '0')}`, {
            createdAt: start + runIndex * 60_000 + index * 1_000,
            runId: spec.run,
            trialId: `t${trial}`,
            provider: fellBack ? 'anthropic' : spec.provider,
            upstreamModel: fellBack ? 'claude-sonnet-4-5' : spec.model,
            costUsd: (fellBack ? 0.02 : spec.costUsd) * (1 + (index % 3) / 10),
            inputTokens: 1_000 + index * 37,
            outputTokens: 200 + index * 11,
            cacheReadTokens: spec.run === 'frontier' ? 400 : 0,
            cacheWriteTokens: spec.run === 'frontier' && call === 0 ? 100 : 0,
            latencyMs: (fellBack ? 1600 : spec.latencyMs) + index * 10,
            timeToFirstByteMs: 150 + index * 5,
            attempts: trail.length,
            fallback: fellBack,
            attemptTrail: trail,
          }),
        );
      }
      const passed = trial % spec.passEvery !== 0;
      outcomes.push({ run: spec.run, trial: `t${trial}`, passed, reward: passed ? 1 : 0.25, task: null, metadata: null, recordedAt: start });
    }
  });
  await harness.gateway.services.store.recordUsage(rows);
  await harness.gateway.services.store.recordOutcomes(outcomes);
}

/** What the API says about these runs, read with the admin key: the figures the page must show. */
async function compareAnswer(runs: string): Promise<CompareReport> {
  const answer = await fetch(`${harness.url}/analytics/compare?runs=${runs}`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(answer.status).toBe(200);
  return (await answer.json()) as CompareReport;
}

/** A table's body, cell texts by row (header cells of a row included). */
function cells(table: Locator): Promise<string[][]> {
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? '')));
}

/** Every number the view shows for `report`, checked against the report itself through the shared formats. */
async function expectReportShown(page: Page, report: CompareReport): Promise<void> {
  const view = page.getByTestId('compare-view');
  const runsTable = view.getByTestId('compare-runs');
  await expect.poll(() => runsTable.locator('thead th').allTextContents()).toEqual(['', ...report.runs.map((run, index) => `${'ABC'[index]} · ${run.run}`)]);
  expect(await cells(runsTable)).toEqual(runMeasures().map((measure) => [measure.label, ...report.runs.map((run) => measure.valueOf(run))]));
  const differences = view.getByTestId('compare-differences');
  expect(await differences.locator('thead th').allTextContents()).toEqual(['', ...differenceMeasures().map((column) => column.label)]);
  expect(await cells(differences)).toEqual(report.differences.map((difference) => [differenceLabel(difference), ...differenceMeasures().map((column) => column.valueOf(difference))]));
  expect(await cells(view.getByTestId('compare-mix'))).toEqual(
    report.runs.flatMap((run) => run.mix.map((target) => [run.run, target.target, String(target.calls), percent(target.call_share), usd(target.cost_usd), percent(target.cost_share)])),
  );
  for (const chart of compareCharts(report)) {
    const figure = view.getByTestId(`chart-${chart.id}`);
    expect(await figure.locator('figcaption').textContent()).toBe(chart.title);
    expect(await figure.locator('text.value').allTextContents(), chart.id).toEqual(chart.rows.map((row) => row.text));
    const widths = await figure.locator('rect.bar').evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute('width'))));
    expect(widths, chart.id).toEqual(chart.rows.map((row) => row.bar.width));
    expect(await figure.locator('line.interval').count(), chart.id).toBe(chart.rows.filter((row) => row.interval !== null).length);
  }
}

describe.skipIf(!haveChromium)('dashboard Compare view in Chromium', () => {
  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    harness = await startTestGateway();
    adminToken = await harness.issueKey({ name: 'eval-admin', role: 'admin' });
    await seedRuns();
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('lists the window’s runs, puts the picked ones in the URL and shows the API’s report, charts and differences', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${harness.url}/dashboard/`);
    await page.getByLabel('Gateway key').fill(adminToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Compare' }).click();
    const view = page.getByTestId('compare-view');

    // The last hour has no run: the empty state says what to do. The default 24h lists the four.
    await page.getByRole('button', { name: '1h', exact: true }).click();
    await expect.poll(() => view.locator('td.empty').textContent()).toContain('No evaluation run has calls in this window');
    await page.getByRole('button', { name: '24h', exact: true }).click();
    await expect.poll(() => view.getByRole('checkbox').count()).toBe(4);
    expect(await view.getByTestId('compare-hint').textContent()).toBe('Pick two or three runs to compare them.');

    // The first picked is the baseline; the selection is in the URL.
    await view.getByRole('checkbox', { name: 'Compare frontier' }).check();
    expect(await view.getByTestId('compare-hint').textContent()).toBe('Pick one or two more runs to compare with the baseline.');
    await view.getByRole('checkbox', { name: 'Compare budget' }).check();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/compare?runs=frontier,budget');
    await expectReportShown(page, await compareAnswer('frontier,budget'));
    await page.screenshot({ path: join(artifacts, 'compare.png'), fullPage: true });

    // A third run, and no fourth; then a later run made the baseline reorders everything.
    await view.getByRole('checkbox', { name: 'Compare fast' }).check();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/compare?runs=frontier,budget,fast');
    expect(await view.getByRole('checkbox', { name: 'Compare spare' }).isDisabled()).toBe(true);
    await expectReportShown(page, await compareAnswer('frontier,budget,fast'));
    await view.getByTestId('compare-selection').locator('li', { hasText: 'budget' }).getByRole('button', { name: 'make baseline' }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/compare?runs=budget,frontier,fast');
    await expectReportShown(page, await compareAnswer('budget,frontier,fast'));
    await page.screenshot({ path: join(artifacts, 'compare-three.png'), fullPage: true });

    // A shared link opens the same comparison, on a phone too.
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${harness.url}/dashboard/#/compare?runs=fast,frontier`);
    await expectReportShown(phone, await compareAnswer('fast,frontier'));
    expect(await phone.getByRole('checkbox', { name: 'Compare fast' }).isChecked()).toBe(true);
    await phone.screenshot({ path: join(artifacts, 'compare-phone.png'), fullPage: true });

    // A link naming a run that does not exist says so, and offers to drop it.
    await page.goto(`${harness.url}/dashboard/#/compare?runs=frontier,nope`);
    const error = view.getByTestId('compare-error');
    await expect.poll(() => error.textContent()).toContain("No calls or outcomes for run 'nope'.");
    await error.getByRole('button', { name: 'Remove nope' }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/compare?runs=frontier');
    expect(await view.getByTestId('compare-hint').textContent()).toBe('Pick one or two more runs to compare with the baseline.');
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
