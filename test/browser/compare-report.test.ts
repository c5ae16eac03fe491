import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareReport } from '../../src/analytics/compare-report.js';
import type { EvalOutcome, RunCall } from '../../src/domain/eval-outcome.js';
import { compareHtml } from '../../src/cli/compare-html.js';

/**
 * The `sluice compare --html` page in a real Chromium: opened from a file with the network off, it shows the
 * three charts with a bar and an interval whisker per run. A screenshot goes to test-artifacts/compare/.
 */
const chromiumPath = '/usr/bin/chromium';
const turnedOff = process.env.SLUICE_BROWSER_TESTS === 'off';
const haveChromium = !turnedOff && existsSync(chromiumPath);
if (!haveChromium) console.warn(`[compare report browser test] skipping: ${turnedOff ? 'SLUICE_BROWSER_TESTS=off' : `${chromiumPath} is absent`}`);
const artifacts = join(process.cwd(), 'test-artifacts', 'compare');

let browser: Browser;
let directory = '';

function calls(run: string, trials: number, costUsd: number, latencyMs: number): RunCall[] {
  return Array.from({ length: trials * 2 }, (_, index) => ({
    run, trial: `t${index % trials}`, provider: 'openai', model: run, served: true, cached: false, costUsd: costUsd * (1 + (index % 3) / 10),
    inputTokens: 500, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, latencyMs: latencyMs + (index % 5) * 40, timeToFirstByteMs: 150,
    attempts: 1, retries: 0, fallback: false, servingMs: latencyMs,
  }));
}

function outcomes(run: string, trials: number, passed: number): EvalOutcome[] {
  return Array.from({ length: trials }, (_, index) => ({ run, trial: `t${index}`, passed: index < passed, reward: index < passed ? 1 : 0, task: null, metadata: null, recordedAt: 0 }));
}

describe.skipIf(!haveChromium)('compare report page in Chromium', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath });
    directory = await mkdtemp(join(tmpdir(), 'sluice-compare-html-'));
  });
  afterAll(async () => {
    await browser?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('draws pass rate, cost per trial and latency with intervals, offline', async () => {
    const report = compareReport({
      runs: ['frontier', 'budget'],
      calls: [...calls('frontier', 20, 0.02, 2000), ...calls('budget', 20, 0.003, 700)],
      outcomes: new Map([['frontier', outcomes('frontier', 20, 16)], ['budget', outcomes('budget', 20, 11)]]),
    });
    const file = join(directory, 'report.html');
    await writeFile(file, compareHtml(report, new Date('2026-12-06T12:00:00Z')));
    const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    context.on('request', (request) => requests.push(request.url()));
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    expect(await page.title()).toBe('Sluice compare: frontier vs budget');
    for (const chart of ['pass-rate', 'cost-per-trial', 'latency-p50']) {
      const figure = page.locator(`figure#${chart}`);
      expect(await figure.locator('svg').count(), chart).toBe(1);
      expect(await figure.locator('svg').isVisible(), chart).toBe(true);
      const bars = await figure.locator('rect.bar').evaluateAll((rects) => rects.map((rect) => rect.getBoundingClientRect().width));
      expect(bars, chart).toHaveLength(2);
      for (const width of bars) expect(width, chart).toBeGreaterThan(0);
      expect(await figure.locator('line.interval').count(), chart).toBe(2);
    }
    // The frontier run passes more and costs more: its bars are the longer ones.
    const passBars = await page.locator('figure#pass-rate rect.bar').evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute('width'))));
    expect(passBars[0]!).toBeGreaterThan(passBars[1]!);
    expect(await page.locator('table#runs th').allTextContents()).toEqual(['', 'frontier', 'budget']);
    expect(await page.locator('table#differences td').first().textContent()).toBe('budget − frontier');
    expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'compare-report.png'), fullPage: true });
    await context.close();
  });
});
