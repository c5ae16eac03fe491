import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareReport } from '../../src/analytics/compare-report.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * examples/eval-coding-agents, run as its README's offline command runs it: Claude Code and Codex CLI solve
 * three tasks through Sluice against the groups `coder` (claude-sonnet-4-5) and `cheap-coder` (gpt-5-mini),
 * played by the fake upstream from fake-agent-model.yaml, then `sluice compare`. The script makes the numbers
 * known: `coder` reads, writes, runs the tests and replies (4 calls a trial) and passes every task;
 * `cheap-coder` reads, writes and replies (3 calls) and fails Roman numerals (2 of its 3 tests), with either
 * agent. Each agent takes a few seconds a trial; twelve trials in all.
 */
const example = join(process.cwd(), 'examples', 'eval-coding-agents');

interface TrialResult {
  run: string;
  trial: string;
  group: string;
  agent: string;
  task: string;
  passed: boolean;
  reward: number;
  agentExitCode: number | null;
}

let directory = '';
let harness: { exitCode: number | null; stdout: string; stderr: string };
let report: CompareReport;
let results: TrialResult[];
let rows: UsageRow[];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-eval-example-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['SLUICE_CONFIG', 'DATABASE_URL', 'REDIS_URL', 'SLUICE_DATABASE_URL', 'SLUICE_REDIS_URL']) delete env[name];
  const args = ['--data-dir', join(directory, 'data'), '--out', join(directory, 'out'), '--run-prefix', 'ci', '--timeout', '90', '--parallel', '2'];
  harness = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(example, 'offline.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
  if (harness.exitCode !== 0) throw new Error(`offline.mjs exited ${harness.exitCode}\n${harness.stdout}\n${harness.stderr}`);
  report = JSON.parse(await readFile(join(directory, 'out', 'compare.json'), 'utf8')) as CompareReport;
  results = (await readFile(join(directory, 'out', 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TrialResult);
  const store = new SqliteStore(join(directory, 'data', 'sluice.db'));
  try {
    rows = await store.recentUsage({ limit: 1_000 });
  } finally {
    await store.close();
  }
}, 240_000);
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('examples/eval-coding-agents against the fake upstream', () => {
  it('runs every agent on every task against both groups, and the agents finish cleanly', () => {
    expect(results).toHaveLength(12);
    for (const result of results) expect(result.agentExitCode, `${result.run} ${result.trial}`).toBe(0);
    const passes = (group: string, agent: string) => results.filter((result) => result.group === group && result.agent === agent && result.passed).map((result) => result.task).sort();
    expect(passes('coder', 'claude-code')).toEqual(['fizzbuzz', 'roman-numerals', 'slugify']);
    expect(passes('coder', 'codex')).toEqual(['fizzbuzz', 'roman-numerals', 'slugify']);
    expect(passes('cheap-coder', 'claude-code')).toEqual(['fizzbuzz', 'slugify']);
    expect(passes('cheap-coder', 'codex')).toEqual(['fizzbuzz', 'slugify']);
    const roman = results.find((result) => result.group === 'cheap-coder' && result.task === 'roman-numerals')!;
    expect(roman.reward).toBeCloseTo(2 / 3, 12);
  });

  it('compare: the known pass rates, trials and calls of each group', () => {
    expect(report.runs.map((run) => run.run)).toEqual(['ci-coder', 'ci-cheap-coder']);
    const [coder, cheap] = report.runs;
    expect(coder).toMatchObject({ trials: 6, outcomes: 6, passed: 6, calls: 24, calls_without_trial: 0, calls_per_trial: 4, error_rate: 0, fallback_rate: 0 });
    expect(coder!.pass_rate.value).toBe(1);
    expect(coder!.mix).toEqual([expect.objectContaining({ target: 'anthropic:claude-sonnet-4-5', calls: 24, call_share: 1 })]);
    expect(cheap).toMatchObject({ trials: 6, outcomes: 6, passed: 4, calls: 18, calls_without_trial: 0, calls_per_trial: 3, error_rate: 0 });
    expect(cheap!.pass_rate.value).toBeCloseTo(4 / 6, 12);
    expect(cheap!.mean_reward.value).toBeCloseTo((4 + 2 * (2 / 3)) / 6, 12);
    expect(cheap!.mix).toEqual([expect.objectContaining({ target: 'openai:gpt-5-mini', calls: 18, call_share: 1 })]);
    // Both models have catalogue prices: every call is priced.
    expect(coder!.unpriced_calls + cheap!.unpriced_calls).toBe(0);
    expect(cheap!.cost_per_trial.value!).toBeLessThan(coder!.cost_per_trial.value!);
    const [difference] = report.differences;
    expect(difference).toMatchObject({ run: 'ci-cheap-coder', against: 'ci-coder' });
    expect(difference!.pass_rate.value).toBeCloseTo(-1 / 3, 12);
  });

  it('each agent reached each group in its own API shape: passed through, or translated', () => {
    const count = (dialect: string, provider: string) => rows.filter((row) => row.inboundDialect === dialect && row.provider === provider).length;
    // Claude Code speaks Anthropic Messages, Codex the Responses API; `coder` is Anthropic, `cheap-coder` OpenAI.
    expect(count('anthropic-messages', 'anthropic')).toBe(12);
    expect(count('openai-responses', 'anthropic')).toBe(12);
    expect(count('anthropic-messages', 'openai')).toBe(9);
    expect(count('openai-responses', 'openai')).toBe(9);
    expect(rows.every((row) => row.statusCode === 200 && row.runId !== null && row.trialId !== null)).toBe(true);
  });

  it('prints the sluice compare table and writes its HTML page', async () => {
    expect(harness.stdout).toMatch(/ci-coder: 6\/6 passed \(claude-code 3\/3, codex 3\/3\)/);
    expect(harness.stdout).toMatch(/ci-cheap-coder: 4\/6 passed \(claude-code 2\/3, codex 2\/3\)/);
    expect(harness.stdout).toMatch(/pass rate\s+100\.0% \[[^\]]+\]\s+66\.7% \[/);
    expect(harness.stdout).toMatch(/calls \/ trial\s+4\s+3/);
    const page = join(directory, 'out', 'report.html');
    expect(existsSync(page)).toBe(true);
    const html = await readFile(page, 'utf8');
    expect(html).toContain('<th>ci-coder</th>');
    expect(html).toContain('<th>ci-cheap-coder</th>');
  });
});
