import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { shapes } from './bench-plan.js';
import { distDirectory, startNode, type NodeProcessOptions, type RunningProcess } from './processes.js';

const cli = join(distDirectory, 'src/cli/main.js');

/** Gateway keys for the same calls under more and more policy. */
export interface BenchKeys {
  /** The default a key gets (a per-minute cap, here out of reach): what the headline numbers measure. */
  standard: string;
  /** No limit at all, for the key, its user or its team: the baseline the cost of limits is measured against. */
  unlimited: string;
  /** Requests, tokens and concurrency capped for the key, its user and its team (9 counters, none reached). */
  limited: string;
  /** As `limited`, plus a monthly budget for the key, its user and its team (3 accounts, none reached). */
  budgeted: string;
}

export interface RunningSluice extends RunningProcess {
  keys: BenchKeys;
  configPath: string;
}

/** Caps high enough that a benchmark never reaches them, so every counter is charged and none refuses. */
const outOfReach = ['--rpm', '1000000000', '--tpm', '1000000000000', '--concurrency', '1000000'];
const outOfReachBudget = ['--budget', '1000000000'];

/**
 * Sluice as users run it (`sluice serve`): auth, limits and usage logging on, every provider on the fake
 * upstream; limits, budgets and cache in process, or in Redis when `redisUrl` is given.
 */
export async function startSluice(
  upstreamUrl: string,
  /** `distDirectory`: another build's dist/ to serve from (a baseline measured side by side); keys are issued by this one. */
  options: { redisUrl?: string; process?: NodeProcessOptions; distDirectory?: string } = {},
): Promise<RunningSluice> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const configPath = join(dataDir, 'sluice.yaml');
  writeFileSync(
    configPath,
    [
      `dataDir: ${dataDir}`,
      'server: { host: 127.0.0.1, port: 0 }',
      'mock: off',
      'logLevel: warn',
      ...(options.redisUrl ? [`redis: { url: "${options.redisUrl}" }`] : []),
      'providers:',
      `  openai: { baseUrl: "${upstreamUrl}/v1", apiKey: bench-openai-key }`,
      `  anthropic: { baseUrl: "${upstreamUrl}/v1", apiKey: bench-anthropic-key }`,
      // Nothing listens on port 1: a connection refused at once, the cheapest failure to fail over from.
      '  refused: { type: openai-compatible, baseUrl: "http://127.0.0.1:1/v1", apiKey: unused }',
      'groups:',
      '  bench-failover:',
      '    policy: failover',
      '    targets: [{ model: "refused:gpt-4o-mini" }, { model: "openai:gpt-4o-mini" }]',
      '    retry: { attempts: 1, maxRetryAfterMs: 5000 }',
      // Never cooled, so every call pays for the failed attempt.
      '    cooldown: { failures: 1000000000, windowMs: 1000, durationMs: 1 }',
      '',
    ].join('\n'),
  );
  // Names unique to this run: Redis outlives it, and counters, budgets or cached answers must not carry over.
  const run = randomBytes(4).toString('hex');
  const sluice = (...args: string[]) => runCli([...args, '--config', configPath]);
  for (const kind of ['users', 'teams']) {
    sluice(kind, 'set', `unlimited-${run}`, '--rpm', '0');
    sluice(kind, 'set', `limited-${run}`, ...outOfReach);
    sluice(kind, 'set', `budgeted-${run}`, ...outOfReach, ...outOfReachBudget);
  }
  const issue = (name: string, ...flags: string[]) => sluice('keys', 'issue', '--name', name, ...flags).trim();
  const keys: BenchKeys = {
    standard: issue('bench', '--rpm', '1000000000'),
    unlimited: issue('bench-unlimited', '--user', `unlimited-${run}`, '--team', `unlimited-${run}`, '--rpm', '0'),
    limited: issue('bench-limited', '--user', `limited-${run}`, '--team', `limited-${run}`, ...outOfReach),
    budgeted: issue('bench-budgeted', '--user', `budgeted-${run}`, '--team', `budgeted-${run}`, ...outOfReach, ...outOfReachBudget),
  };
  const served = options.distDirectory === undefined ? cli : join(options.distDirectory, 'src/cli/main.js');
  const running = await startNode(served, ['serve', '--config', configPath], /listening on (\S+)/, { ...options.process, stderrFile: join(dataDir, 'stderr.log') });
  return { ...running, keys, configPath };
}

/** Usage rows Sluice wrote in the last hour (run after it stopped, so every queued row is flushed). */
export function countUsageRows(sluice: RunningSluice): number {
  const summary = JSON.parse(runCli(['usage', '--window', '1h', '--by', 'key', '--json', '--config', sluice.configPath])) as { requests: number }[];
  return summary.reduce((total, row) => total + row.requests, 0);
}

function runCli(args: string[]): string {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`sluice ${args.slice(0, 2).join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A call without a gateway key must be refused, or the run would measure Sluice with auth off. */
export async function checkAuthenticationIsOn(sluice: RunningSluice): Promise<void> {
  const response = await request(`${sluice.url}${shapes.plain.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: shapes.plain.body,
  });
  await response.body.dump();
  if (response.statusCode !== 401) throw new Error(`sluice answered a call without a key with ${response.statusCode}, expected 401`);
}
