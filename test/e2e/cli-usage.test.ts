import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { UsageSummaryRow } from '../../src/domain/usage-summary.js';
import type { AttemptRecord } from '../../src/domain/attempt-record.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { testAttempt, testUsageRow } from '../helpers/usage-rows.js';

/** `sluice usage --by group|target|requester` and `--requester` as an operator runs them, over rows a gateway would have written. */
const cli = join(process.cwd(), 'dist/src/cli/main.js');
let dataDir = '';

function attempt(target: string, statusCode: number | null): AttemptRecord {
  return testAttempt(target, { statusCode, errorCode: statusCode === 200 ? null : 'upstream_error', durationMs: 5 });
}

function row(id: string, served: string | null, overrides: Partial<UsageRow>): UsageRow {
  const [provider = null, model = null] = served?.split(':') ?? [];
  return testUsageRow(id, {
    provider,
    requestedModel: 'fast',
    upstreamModel: model,
    inputTokens: 100,
    outputTokens: 10,
    costUsd: 0.01,
    latencyMs: 20,
    timeToFirstByteMs: 10,
    groupName: 'fast',
    policy: 'failover',
    attemptTrail: served === null ? [] : [attempt(served, 200)],
    ...overrides,
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sluice-cli-usage-'));
  const store = new SqliteStore(join(dataDir, 'sluice.db'));
  await store.recordUsage([
    row('01A', 'openai:gpt-4o-mini', { requester: 'alice' }),
    row('01B', 'anthropic:claude-haiku-4-5', {
      requester: 'alice',
      costUsd: 0.015,
      attempts: 2,
      fallback: true,
      attemptTrail: [attempt('openai:gpt-4o-mini', 429), attempt('anthropic:claude-haiku-4-5', 200)],
    }),
    row('01C', 'openai:gpt-4o-mini', { requestedModel: 'gpt-4o-mini', groupName: null, policy: null, requester: 'bob' }),
    row('01D', null, { statusCode: 400, outcome: 'error', errorCode: 'no_eligible_target', attempts: 0, costUsd: null }),
  ]);
  await store.close();
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function usage(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_DATA_DIR: dataDir };
  for (const name of ['SLUICE_CONFIG', 'DATABASE_URL', 'REDIS_URL']) delete env[name];
  return spawnSync(process.execPath, [cli, 'usage', '--window', '1h', ...args], { env, encoding: 'utf8' });
}

describe('sluice usage', () => {
  it('--by group sums calls per model group, plain models under (none)', () => {
    const json = usage('--by', 'group', '--json');
    expect(json.stderr).toBe('');
    const summary = JSON.parse(json.stdout) as UsageSummaryRow[];
    expect(summary.map(({ group, requests, errors }) => ({ group, requests, errors }))).toEqual([
      { group: 'fast', requests: 3, errors: 1 },
      { group: null, requests: 1, errors: 0 },
    ]);
    const table = usage('--by', 'group');
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^GROUP\s+CALLS\s+ERRORS/m);
    expect(table.stdout).toMatch(/^fast\s+3\s+1\s+300\s+30/m);
    expect(table.stdout).toMatch(/^\(none\)\s+1\s+0/m);
  });

  it('--by target sums calls per provider:model that served them', () => {
    const summary = JSON.parse(usage('--by', 'target', '--json').stdout) as UsageSummaryRow[];
    expect(summary.map(({ group, requests }) => ({ group, requests }))).toEqual([
      { group: 'openai:gpt-4o-mini', requests: 2 },
      { group: 'anthropic:claude-haiku-4-5', requests: 1 },
      { group: null, requests: 1 },
    ]);
    expect(usage('--by', 'target').stdout).toMatch(/^TARGET\s+CALLS/m);
  });

  it('--by requester sums calls per end user, calls made for none under (none)', () => {
    const summary = JSON.parse(usage('--by', 'requester', '--json').stdout) as UsageSummaryRow[];
    expect(summary.map(({ group, requests, errors }) => ({ group, requests, errors }))).toEqual([
      { group: 'alice', requests: 2, errors: 0 },
      { group: 'bob', requests: 1, errors: 0 },
      { group: null, requests: 1, errors: 1 },
    ]);
    const table = usage('--by', 'requester');
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^REQUESTER\s+CALLS\s+ERRORS/m);
    expect(table.stdout).toMatch(/^alice\s+2\s+0\s+200\s+20/m);
    expect(table.stdout).toMatch(/^\(none\)\s+1\s+1/m);
  });

  it('--requester counts only that requester\'s calls, under any grouping', () => {
    const summary = JSON.parse(usage('--requester', 'alice', '--by', 'target', '--json').stdout) as UsageSummaryRow[];
    expect(summary.map(({ group, requests }) => ({ group, requests }))).toEqual([
      { group: 'anthropic:claude-haiku-4-5', requests: 1 },
      { group: 'openai:gpt-4o-mini', requests: 1 },
    ]);
    const table = usage('--requester', 'bob');
    expect(table.stdout).toContain("Usage over the last 1h for requester 'bob':");
    expect(table.stdout).toMatch(/^gpt-4o-mini\s+1\s+0\s+100\s+10\s+0\s+\$0\.010000/m);
    expect(JSON.parse(usage('--requester', 'nobody', '--json').stdout)).toEqual([]);
  });

  it('refuses an empty --requester rather than matching nothing', () => {
    const refused = usage('--requester', '');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('--requester needs a name');
  });

  it('refuses an unknown grouping and lists the choices', () => {
    const refused = usage('--by', 'colour');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('group');
    expect(refused.stderr).toContain('target');
    expect(refused.stderr).toContain('requester');
  });
});
