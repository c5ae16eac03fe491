import { describe, expect, it } from 'vitest';
import { AttemptWindow, attemptWindowCapacity, attemptWindowHorizonMs } from '../../src/metrics/attempt-window.js';
import { TargetHealth } from '../../src/metrics/target-health.js';
import { routingWorld } from '../helpers/routing-fixtures.js';

describe('a target\'s attempt window', () => {
  it('rates success over attempts with a verdict and takes nearest-rank percentiles of time to first byte', () => {
    const window = new AttemptWindow();
    for (let index = 1; index <= 20; index++) window.record(1_000, 'ok', index * 10, null, 200);
    window.record(1_000, 'error', null, 'upstream_error', 503);
    window.record(1_000, 'timeout', null, 'upstream_timeout', null);
    window.record(1_000, 'cancelled', null, null, null);
    const summary = window.summary(2_000);
    expect(summary.attempts).toBe(23);
    expect(summary.results).toEqual({ ok: 20, error: 1, timeout: 1, cancelled: 1 });
    expect(summary.successRate).toBeCloseTo(20 / 22, 12);
    expect(summary.timeToFirstByteMs).toEqual({ p50: 100, p95: 190 });
    expect(window.lastError).toEqual({ code: 'upstream_timeout', status: null, at: 1_000 });
  });

  it('keeps the last 200 attempts, and leaves out those older than five minutes', () => {
    const window = new AttemptWindow();
    for (let index = 0; index < attemptWindowCapacity; index++) window.record(0, 'error', null, 'upstream_error', 500);
    for (let index = 0; index < 50; index++) window.record(attemptWindowHorizonMs, 'ok', 5, null, 200);
    // 50 of the 200 failures were overwritten; the rest are still within the horizon.
    expect(window.summary(attemptWindowHorizonMs).results).toMatchObject({ ok: 50, error: 150 });
    // A minute later the failures are older than the horizon.
    expect(window.summary(attemptWindowHorizonMs + 60_000).results).toMatchObject({ ok: 50, error: 0 });
    expect(window.summary(attemptWindowHorizonMs * 3).successRate).toBeNull();
    // The last error stays known even after it aged out.
    expect(window.lastError?.status).toBe(500);
  });
});

describe('the health report', () => {
  it('lists every group target, and other targets once they were tried', () => {
    const { groups } = routingWorld({ groups: { fast: { policy: 'failover', targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:claude-haiku-4-5' }] } } });
    const health = new TargetHealth();
    health.windowFor('openai', 'gpt-4o-mini').record(10, 'ok', 40, null, 200);
    health.windowFor('gemini', 'other');
    health.windowFor('mistral', 'other').record(10, 'error', null, 'upstream_unreachable', null);
    const report = health.report(20, {
      groups,
      cooldownStatus: (id) => (id === 'anthropic:claude-haiku-4-5' ? 'cooling' : 'available'),
      routingEstimateMs: (id) => (id === 'openai:gpt-4o-mini' ? 40 : undefined),
    });
    expect(report.targets.map((entry) => [entry.target, entry.attempts, entry.cooldown, entry.routingEstimateMs])).toEqual([
      ['anthropic:claude-haiku-4-5', 0, 'cooling', null],
      ['mistral:other', 1, null, null],
      ['openai:gpt-4o-mini', 1, 'available', 40],
    ]);
    expect(report.targets[1]!.lastError).toEqual({ code: 'upstream_unreachable', status: null, at: new Date(10).toISOString() });
  });
});
