import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareReport } from '../../src/analytics/compare-report.js';
import type { AttemptRecord } from '../../src/domain/attempt-record.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';
import { testUsageRow } from '../helpers/usage-rows.js';

// Issue 22 §1: `GET /analytics/compare` on seeded runs with known costs, a failure, a retry and a fallback.
let harness: TestGateway;
let adminToken: string;

const get = (path: string, token = adminToken) => fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

function attempt(target: string, errorCode: string | null, durationMs: number): AttemptRecord {
  const [provider, model] = target.split(':') as [string, string];
  return { target, provider, model, statusCode: errorCode === null ? 200 : 502, errorCode, retryAfterMs: null, timeToFirstByteMs: null, durationMs };
}

const postgres = await createTestDatabase();
const backends: Array<{ name: string; config: Record<string, unknown> }> = [{ name: 'sqlite', config: {} }];
if ('url' in postgres) backends.push({ name: 'postgres', config: { database: { url: postgres.url } } });
else console.warn(`[compare runs e2e] skipping PostgreSQL: ${postgres.skipReason}`);
afterAll(async () => {
  if ('url' in postgres) await postgres.drop();
});

describe.each(backends)('$name GET /analytics/compare', (backend) => {
  beforeAll(async () => {
    harness = await startTestGateway(backend.config);
    adminToken = await harness.issueKey({ name: 'boss', role: 'admin' });
    const now = Date.now();
    await harness.gateway.services.store.recordUsage([
      // Baseline: t1 passes after a retry and a fallback (0.03 USD); t2 fails (one failed call, unpriced).
      testUsageRow('01CMPE2EA1', {
        createdAt: now - 9_000, runId: 'base', trialId: 't1', provider: 'anthropic', upstreamModel: 'claude-sonnet', costUsd: 0.03,
        inputTokens: 300, outputTokens: 100, latencyMs: 3000, timeToFirstByteMs: 400, attempts: 3, fallback: true,
        attemptTrail: [attempt('openai:gpt-4o', 'upstream_error', 200), attempt('openai:gpt-4o', 'upstream_error', 200), attempt('anthropic:claude-sonnet', null, 2000)],
      }),
      testUsageRow('01CMPE2EA2', { createdAt: now - 8_000, runId: 'base', trialId: 't2', outcome: 'error', statusCode: 502, costUsd: null, inputTokens: 0, outputTokens: 0, latencyMs: 500, attempts: 1, attemptTrail: [attempt('openai:gpt-4o', 'upstream_error', 500)] }),
      // Candidate: both trials pass at 0.001 USD a call.
      testUsageRow('01CMPE2EB1', { createdAt: now - 7_000, runId: 'cheap', trialId: 't1', upstreamModel: 'gpt-4o-mini', costUsd: 0.001, inputTokens: 100, outputTokens: 40, latencyMs: 400, timeToFirstByteMs: 100, attempts: 1, attemptTrail: [attempt('openai:gpt-4o-mini', null, 400)] }),
      testUsageRow('01CMPE2EB2', { createdAt: now - 6_000, runId: 'cheap', trialId: 't2', upstreamModel: 'gpt-4o-mini', costUsd: 0.001, inputTokens: 100, outputTokens: 40, latencyMs: 600, timeToFirstByteMs: 100, attempts: 1, attemptTrail: [attempt('openai:gpt-4o-mini', null, 600)] }),
    ]);
    await harness.gateway.services.store.recordOutcomes([
      { run: 'base', trial: 't1', reward: 1, passed: true, task: null, metadata: null, recordedAt: now },
      { run: 'base', trial: 't2', reward: 0, passed: false, task: null, metadata: null, recordedAt: now },
      { run: 'cheap', trial: 't1', reward: 1, passed: true, task: null, metadata: null, recordedAt: now },
      { run: 'cheap', trial: 't2', reward: 1, passed: true, task: null, metadata: null, recordedAt: now },
      // A run known only by its outcomes is still a run.
      { run: 'scored-only', trial: 't1', reward: 0.5, passed: false, task: null, metadata: null, recordedAt: now },
    ]);
  });
  afterAll(() => harness.close());

  it('reports each run and the difference from the first, with intervals', async () => {
    const response = await get('/analytics/compare?runs=base,cheap');
    expect(response.status).toBe(200);
    const report = (await response.json()) as CompareReport;
    expect(report.bootstrap).toMatchObject({ resamples: 2000, confidence: 0.95, unit: 'trial' });
    const [base, cheap] = report.runs;
    expect(base).toMatchObject({
      run: 'base', calls: 2, trials: 2, outcomes: 2, passed: 1, pass_rate: { value: 0.5, low: 0, high: 1 }, unpriced_calls: 1,
      cost_per_trial: { value: 0.015 }, cost_per_passed_trial: 0.03, calls_per_trial: 1, attempts_per_trial: 2,
      fallback_rate: 0.5, retry_rate: 0.25, error_rate: 0.5, latency_ms: { p50: 3000, p95: 3000 }, throughput_tokens_per_s: { p50: 50 },
      tokens_per_trial: { input: 150, output: 50, total: { value: 200 } },
    });
    expect(base!.mix.map((target) => [target.target, target.call_share, target.cost_share])).toEqual([
      ['anthropic:claude-sonnet', 0.5, 1],
      ['openai:gpt-4o-mini', 0.5, 0],
    ]);
    expect(cheap).toMatchObject({ run: 'cheap', trials: 2, pass_rate: { value: 1, low: 1, high: 1 }, cost_per_trial: { value: 0.001 }, latency_ms: { p50: 500, p95: 590 }, fallback_rate: 0, retry_rate: 0 });
    const [difference] = report.differences;
    expect(difference).toMatchObject({ run: 'cheap', against: 'base', pass_rate: { value: 0.5, low: 0, high: 1 }, latency_p50_ms: { value: -2500 } });
    expect(difference!.cost_per_trial.value).toBeCloseTo(-0.014, 12);
    expect(difference!.cost_per_trial.high).toBeLessThanOrEqual(0.001);
    // Reproducible: the same rows give the same intervals.
    expect(await (await get('/analytics/compare?runs=base,cheap')).json()).toEqual(report);
  });

  it('takes an analytics key, refuses others, and names an unknown run', async () => {
    const analyticsToken = await harness.issueKey({ name: 'grader', role: 'analytics' });
    expect((await get('/analytics/compare?runs=base,scored-only', analyticsToken)).status).toBe(200);
    expect((await get('/analytics/compare?runs=base,cheap', harness.token)).status).toBe(403);
    const unknown = await get('/analytics/compare?runs=base,nope');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'run_not_found', message: expect.stringContaining("'nope'") });
    for (const runs of ['base', 'a,b,c,d,e,f', 'base,base']) expect((await get(`/analytics/compare?runs=${runs}`)).status).toBe(400);
    expect((await get('/analytics/compare')).status).toBe(400);
    expect((await get('/analytics/compare?runs=base,cheap&window=7d')).status).toBe(400);
  });
});
