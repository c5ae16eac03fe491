import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareReport } from '../../src/analytics/compare-report.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { testUsageRow } from '../helpers/usage-rows.js';

/** `sluice compare` as an operator runs it, against the SQLite store: the table, `--json` and `--html`. */
const cli = join(process.cwd(), 'dist/src/cli/main.js');
let dataDir = '';

function sluice(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_DATA_DIR: dataDir };
  for (const name of ['SLUICE_CONFIG', 'DATABASE_URL', 'REDIS_URL']) delete env[name];
  return spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sluice-cli-compare-'));
  const store = new SqliteStore(join(dataDir, 'sluice.db'));
  try {
    const now = Date.now();
    // Baseline "strong": three trials at 0.02 USD each, two pass. Candidate "cheap <&>": three at 0.005, one passes,
    // one of its calls fell back to another target.
    await store.recordUsage([
      ...['t1', 't2', 't3'].map((trial, index) =>
        testUsageRow(`01CLICMPS${index}`, { createdAt: now - 10_000 + index, runId: 'strong', trialId: trial, provider: 'anthropic', upstreamModel: 'claude-sonnet', costUsd: 0.02, inputTokens: 1000, outputTokens: 200, latencyMs: 2000 + index * 100 }),
      ),
      ...['t1', 't2', 't3'].map((trial, index) =>
        testUsageRow(`01CLICMPC${index}`, { createdAt: now - 5_000 + index, runId: 'cheap<&>', trialId: trial, upstreamModel: 'gpt-4o-mini', costUsd: 0.005, inputTokens: 1000, outputTokens: 300, latencyMs: 800, fallback: index === 0, attempts: index === 0 ? 2 : 1 }),
      ),
    ]);
    await store.recordOutcomes(
      [
        ['strong', 't1', true], ['strong', 't2', true], ['strong', 't3', false],
        ['cheap<&>', 't1', true], ['cheap<&>', 't2', false], ['cheap<&>', 't3', false],
      ].map(([run, trial, passed]) => ({ run: run as string, trial: trial as string, passed: passed as boolean, reward: passed ? 1 : 0, task: null, metadata: null, recordedAt: now })),
    );
  } finally {
    await store.close();
  }
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('sluice compare', () => {
  it('--json prints the report: the runs and the difference from the first', () => {
    const result = sluice('compare', 'strong', 'cheap<&>', '--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as CompareReport;
    expect(report.runs.map((run) => run.run)).toEqual(['strong', 'cheap<&>']);
    const [strong, cheap] = report.runs;
    expect(strong).toMatchObject({ trials: 3, passed: 2, calls_per_trial: 1, tokens_per_trial: { input: 1000, output: 200, total: { value: 1200 } }, latency_ms: { p50: 2100 }, fallback_rate: 0 });
    expect(strong!.pass_rate.value).toBeCloseTo(2 / 3, 12);
    expect(strong!.cost_per_trial.value).toBeCloseTo(0.02, 12);
    expect(strong!.cost_per_passed_trial).toBeCloseTo(0.03, 12);
    expect(cheap).toMatchObject({ trials: 3, passed: 1, attempts_per_trial: 4 / 3, latency_ms: { p50: 800 }, mix: [{ target: 'openai:gpt-4o-mini', call_share: 1, cost_share: 1 }] });
    expect(cheap!.fallback_rate).toBeCloseTo(1 / 3, 12);
    expect(cheap!.cost_per_trial).toMatchObject({ value: 0.005, low: 0.005, high: 0.005 });
    const [difference] = report.differences;
    expect(difference).toMatchObject({ run: 'cheap<&>', against: 'strong', latency_p50_ms: { value: -1300 }, tokens_per_trial: { value: 100, low: 100, high: 100 } });
    expect(difference!.pass_rate.value).toBeCloseTo(-1 / 3, 12);
    expect(difference!.cost_per_trial.value).toBeCloseTo(-0.015, 12);
    expect(difference!.pass_rate.low!).toBeLessThan(difference!.pass_rate.value!);
    expect(difference!.pass_rate.high!).toBeGreaterThan(difference!.pass_rate.value!);
  });

  it('prints a terminal table by default', () => {
    const result = sluice('compare', 'strong', 'cheap<&>');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/pass rate\s+66\.7% \[/);
    expect(result.stdout).toContain('cheap<&> − strong');
    expect(result.stdout).toContain('cost / trial');
  });

  it('--html writes a self-contained page with the runs and their charts', async () => {
    const page = join(dataDir, 'report.html');
    const result = sluice('compare', 'strong', 'cheap<&>', '--html', page);
    expect(result.status).toBe(0);
    const html = await readFile(page, 'utf8');
    expect(html).toContain('<th>strong</th>');
    expect(html).toContain('<th>cheap&lt;&amp;&gt;</th>');
    expect(html.match(/<svg /g)).toHaveLength(3);
    for (const chart of ['pass-rate', 'cost-per-trial', 'latency-p50']) expect(html).toContain(`<figure id="${chart}">`);
    // Self-contained: nothing loaded from elsewhere.
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('refuses an unknown run, one run, or six', () => {
    const unknown = sluice('compare', 'strong', 'nope');
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain("'nope'");
    expect(sluice('compare', 'strong').status).not.toBe(0);
    expect(sluice('compare', 'a', 'b', 'c', 'd', 'e', 'f').status).not.toBe(0);
  });
});
