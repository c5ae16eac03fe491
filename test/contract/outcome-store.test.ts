import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../src/domain/attempt-record.js';
import type { EvalOutcome } from '../../src/domain/eval-outcome.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { testUsageRow } from '../helpers/usage-rows.js';

/**
 * The outcome store (issue 22 §1) on SQLite and on the real PostgreSQL: outcomes written once per (run,
 * trial), a second write replacing the first and saying so, and the runs summed from the usage rows by run.
 */
const directory = await mkdtemp(join(tmpdir(), 'sluice-outcomes-'));
const postgres = await createTestDatabase();
const backends: Array<{ name: string; open(): Promise<Store> }> = [{ name: 'sqlite', open: async () => new SqliteStore(join(directory, 'sluice.db')) }];
if ('url' in postgres) backends.push({ name: 'postgres', open: () => PostgresStore.open(postgres.url) });
else console.warn(`[outcome store contract] skipping PostgreSQL: ${postgres.skipReason}`);

afterAll(async () => {
  if ('url' in postgres) await postgres.drop();
  await rm(directory, { recursive: true, force: true });
});

function attempt(target: string, statusCode: number | null, durationMs: number): AttemptRecord {
  return { target, provider: 'anthropic', model: 'claude-haiku', statusCode, errorCode: statusCode === null ? null : 'upstream_error', retryAfterMs: null, timeToFirstByteMs: null, durationMs };
}

function outcome(run: string, trial: string, fields: Partial<EvalOutcome> = {}): EvalOutcome {
  return { run, trial, reward: 1, passed: true, task: null, metadata: null, recordedAt: 1_000, ...fields };
}

describe.each(backends)('$name outcome store', (backend) => {
  it('creates, then replaces, an outcome per (run, trial), in one batch or many', async () => {
    const store = await backend.open();
    try {
      expect(
        await store.recordOutcomes([
          outcome('run-a', 't1', { task: 'fizzbuzz', metadata: { agent: 'claude-code', attempt: 2 } }),
          outcome('run-a', 't2', { reward: 0.25, passed: false }),
          outcome('run-b', 't1', { reward: 0 , passed: false }),
        ]),
      ).toEqual(['created', 'created', 'created']);
      expect(await store.recordOutcomes([outcome('run-a', 't2', { reward: 0.5, passed: true, recordedAt: 2_000 }), outcome('run-a', 't3')])).toEqual([
        'replaced',
        'created',
      ]);
      expect(await store.listOutcomes('run-a')).toEqual([
        outcome('run-a', 't1', { task: 'fizzbuzz', metadata: { agent: 'claude-code', attempt: 2 } }),
        outcome('run-a', 't2', { reward: 0.5, passed: true, recordedAt: 2_000 }),
        outcome('run-a', 't3'),
      ]);
      expect(await store.listOutcomes('no-such-run')).toEqual([]);
      expect(await store.recordOutcomes([])).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('summarizes runs from their calls in the window and their outcomes', async () => {
    const store = await backend.open();
    try {
      const now = 1_800_000_000_000;
      await store.recordUsage([
        testUsageRow('01RUNA1', { createdAt: now - 5_000, runId: 'run-a', trialId: 't1', costUsd: 0.01, groupName: 'coder' }),
        testUsageRow('01RUNA2', { createdAt: now - 4_000, runId: 'run-a', trialId: 't1', costUsd: 0.02, groupName: 'coder-cheap' }),
        testUsageRow('01RUNA3', { createdAt: now - 3_000, runId: 'run-a', trialId: 't2', costUsd: null }),
        testUsageRow('01RUNB1', { createdAt: now - 2_000, runId: 'run-b', trialId: 't1', costUsd: 0.5 }),
        testUsageRow('01RUNC1', { createdAt: now - 90_000, runId: 'run-c', trialId: 'old' }),
        testUsageRow('01NORUN', { createdAt: now - 1_000, costUsd: 9 }),
      ]);
      const runs = await store.summarizeRuns({ from: now - 60_000, to: now, limit: 10 });
      expect(runs.map((run) => run.run)).toEqual(['run-b', 'run-a']);
      const runA = runs[1]!;
      expect(runA).toMatchObject({ calls: 3, trials: 2, firstCallAt: now - 5_000, lastCallAt: now - 3_000, groups: ['coder', 'coder-cheap'], outcomes: 3, passed: 3, rewardSum: 2.5 });
      expect(runA.costUsd).toBeCloseTo(0.03, 10);
      expect(runs[0]).toMatchObject({ run: 'run-b', calls: 1, trials: 1, costUsd: 0.5, groups: [], outcomes: 1, passed: 0, rewardSum: 0 });
      expect((await store.summarizeRuns({ from: now - 60_000, to: now, limit: 1 })).map((run) => run.run)).toEqual(['run-b']);
      expect(await store.summarizeRuns({ from: now, to: now + 60_000, limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('reads the calls of the runs asked for, oldest first, bounded', async () => {
    const store = await backend.open();
    try {
      const now = 1_800_000_000_000;
      await store.recordUsage([
        testUsageRow('01CMPA2', { createdAt: now - 4_000, runId: 'cmp-a', trialId: 't1', provider: 'anthropic', upstreamModel: 'claude-haiku', costUsd: 0.02, inputTokens: 100, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 5, latencyMs: 800, timeToFirstByteMs: 120, attempts: 3, fallback: true,
          attemptTrail: [attempt('primary', 502, 100), attempt('primary', 502, 100), attempt('backup', null, 400)] }),
        testUsageRow('01CMPA1', { createdAt: now - 5_000, runId: 'cmp-a', trialId: null, outcome: 'error', statusCode: 502, costUsd: null, timeToFirstByteMs: null, cached: true }),
        testUsageRow('01CMPB1', { createdAt: now - 3_000, runId: 'cmp-b', trialId: 't9' }),
        testUsageRow('01CMPC1', { createdAt: now - 2_000, runId: 'cmp-c', trialId: 't1' }),
      ]);
      const calls = await store.runCalls(['cmp-a', 'cmp-b', 'no-such-run'], 10);
      expect(calls.map((call) => [call.run, call.trial])).toEqual([['cmp-a', null], ['cmp-a', 't1'], ['cmp-b', 't9']]);
      expect(calls[0]).toMatchObject({ served: false, cached: true, costUsd: null, timeToFirstByteMs: null, fallback: false, retries: 0, servingMs: null });
      expect(calls[1]).toEqual({
        run: 'cmp-a', trial: 't1', provider: 'anthropic', model: 'claude-haiku', served: true, cached: false, costUsd: 0.02,
        inputTokens: 100, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 5, latencyMs: 800, timeToFirstByteMs: 120, attempts: 3, retries: 1, fallback: true, servingMs: 400,
      });
      expect(await store.runCalls(['cmp-a', 'cmp-b'], 2)).toHaveLength(2);
      expect(await store.runCalls([], 10)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('reads calls by request id as the calls of a run, each its own trial', async () => {
    const store = await backend.open();
    try {
      const now = 1_800_000_000_000;
      await store.recordUsage([
        testUsageRow('01ORIG2', { createdAt: now - 2_000, runId: 'someone-else', trialId: 'x', provider: 'openai', upstreamModel: 'gpt-4o', costUsd: 0.03, inputTokens: 300, outputTokens: 40 }),
        testUsageRow('01ORIG1', { createdAt: now - 3_000, runId: null, trialId: null, costUsd: null, outcome: 'error', statusCode: 500 }),
        testUsageRow('01ORIG3', { createdAt: now - 1_000 }),
      ]);
      const calls = await store.requestCalls(['01ORIG2', '01NOSUCH', '01ORIG1'], 'replay-r1:original');
      expect(calls.map((call) => [call.run, call.trial])).toEqual([['replay-r1:original', '01ORIG1'], ['replay-r1:original', '01ORIG2']]);
      expect(calls[0]).toMatchObject({ served: false, costUsd: null });
      expect(calls[1]).toMatchObject({ provider: 'openai', model: 'gpt-4o', served: true, costUsd: 0.03, inputTokens: 300, outputTokens: 40 });
      expect(await store.requestCalls([], 'r')).toEqual([]);
      // More ids than one statement reads: every slice is read, and the order is still the rows'.
      const many = Array.from({ length: 2_500 }, (_, index) => `01MANY${String(index).padStart(5, '0')}`);
      await store.recordUsage(many.map((id, index) => testUsageRow(id, { createdAt: now + 10_000 - index })));
      const manyCalls = await store.requestCalls(many, 'many');
      expect(manyCalls).toHaveLength(2_500);
      expect(manyCalls[0]!.trial).toBe(many.at(-1));
      expect(manyCalls.at(-1)!.trial).toBe(many[0]);
    } finally {
      await store.close();
    }
  });
});
