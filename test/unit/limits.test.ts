import { describe, expect, it } from 'vitest';
import { admit } from '../../src/policy/admission.js';
import { type LimitSubject } from '../../src/domain/limit-subject.js';
import { effectiveLimits } from '../../src/policy/effective-limits.js';
import { MemoryLimitCounters } from '../../src/policy/memory-limit-counters.js';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { ManualClock } from '../helpers/manual-clock.js';

describe('effective limits', () => {
  it('takes the subject value, else the default, and 0 turns a limit off', () => {
    expect(effectiveLimits({}, { requestsPerMinute: 100 })).toEqual({ requestsPerMinute: 100 });
    expect(effectiveLimits({ requestsPerMinute: 5 }, { requestsPerMinute: 100 })).toEqual({ requestsPerMinute: 5 });
    expect(effectiveLimits({ requestsPerMinute: 0 }, { requestsPerMinute: 100 })).toEqual({});
    expect(effectiveLimits(undefined, { tokensPerMinute: 10, concurrentRequests: 2 })).toEqual({ tokensPerMinute: 10, concurrentRequests: 2 });
  });
});

describe('memory limit counters', () => {
  const charge = (...charges: Array<[counter: string, limit: number, amount: number]>) => ({
    windows: charges.map(([counter, limit, amount]) => ({ counter, limit, amount })),
    windowMs: 60_000,
    slots: [],
  });

  it('charge all-or-nothing within fixed windows', async () => {
    let now = 60_000 * 10 + 5;
    const counters = new MemoryLimitCounters(() => now);
    const both = charge(['a', 2, 1], ['b', 5, 3]);
    expect((await counters.charge(both)).admitted).toBe(true);
    const second = await counters.charge(both);
    expect(second.admitted).toBe(false);
    // `a` was not charged either: the refusal on `b` left every counter as it was.
    expect(second.states.map((state) => state.used)).toEqual([1, 3]);
    expect((await counters.charge(charge(['a', 2, 1]))).admitted).toBe(true);
    expect((await counters.charge(charge(['a', 2, 1]))).admitted).toBe(false);
    now += 60_000;
    expect((await counters.charge(both)).admitted).toBe(true);
  });

  it('hand out and take back concurrency slots', async () => {
    const counters = new MemoryLimitCounters(new ManualClock().now);
    const slot = { windows: [], windowMs: 60_000, slots: [{ counter: 's', limit: 2 }] };
    expect((await counters.charge(slot)).admitted).toBe(true);
    expect((await counters.charge(slot)).admitted).toBe(true);
    expect((await counters.charge(slot)).admitted).toBe(false);
    await counters.settle({ adjustments: [], slots: ['s'] });
    expect((await counters.charge(slot)).admitted).toBe(true);
  });
});

describe('admission', () => {
  const subjects = (limits: LimitSubject['limits']): LimitSubject[] => [
    { scope: 'key', id: 'k1', limits },
    { scope: 'team', id: 't1', limits: { requestsPerMinute: 3 } },
  ];

  it('refuses past the tightest limit with headers, retry-after and the limit named', async () => {
    // 45 s into a minute window: 15 s until it resets, on the clock the counters and admission share.
    const clock = new ManualClock(60_000 * 29_000_000 + 45_000);
    const counters = new MemoryLimitCounters(clock.now);
    const options = { subjects: subjects({ requestsPerMinute: 10 }), counters, estimateTokens: () => 0, now: clock.now };
    const admitted = await admit(options);
    expect(admitted.headers).toMatchObject({ 'x-ratelimit-limit-requests': '3', 'x-ratelimit-remaining-requests': '2', 'x-ratelimit-reset-requests': '15s' });
    await admit(options);
    clock.advance(5_000);
    await admit(options);
    const refusal = await admit(options).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect(refusal).toMatchObject({ status: 429, code: 'rate_limited', reason: 'rate_limited.team.requests_per_minute' });
    expect((refusal as GatewayError).headers).toMatchObject({ 'retry-after': '10', 'x-ratelimit-reset-requests': '10s', 'x-ratelimit-remaining-requests': '0' });
    clock.advance(10_000);
    await expect(admit(options)).resolves.toMatchObject({ headers: { 'x-ratelimit-remaining-requests': '2', 'x-ratelimit-reset-requests': '60s' } });
  });

  it('charges estimated tokens and settles them to the real count', async () => {
    const counters = new MemoryLimitCounters(new ManualClock().now);
    const tokenSubjects: LimitSubject[] = [{ scope: 'key', id: 'k2', limits: { tokensPerMinute: 1000 } }];
    const first = await admit({ subjects: tokenSubjects, counters, estimateTokens: () => 900 });
    await expect(admit({ subjects: tokenSubjects, counters, estimateTokens: () => 200 })).rejects.toMatchObject({ reason: 'rate_limited.key.tokens_per_minute' });
    await first.finish({ tokens: 100, costUsd: 0 });
    const second = await admit({ subjects: tokenSubjects, counters, estimateTokens: () => 200 });
    expect(second.headers['x-ratelimit-remaining-tokens']).toBe('700');
  });

  it('caps requests in flight and gives slots back on release', async () => {
    const counters = new MemoryLimitCounters(new ManualClock().now);
    const capped: LimitSubject[] = [{ scope: 'user', id: 'u1', limits: { concurrentRequests: 1 } }];
    const holding = await admit({ subjects: capped, counters, estimateTokens: () => 0 });
    await expect(admit({ subjects: capped, counters, estimateTokens: () => 0 })).rejects.toMatchObject({ code: 'concurrency_limited', reason: 'concurrency_limited.user' });
    await holding.finish({ tokens: 0, costUsd: 0 });
    await holding.finish({ tokens: 0, costUsd: 0 });
    await expect(admit({ subjects: capped, counters, estimateTokens: () => 0 })).resolves.toBeDefined();
  });

  it('gives back the limit charge when the budget refuses, and the reservation when a limit refuses', async () => {
    // Mid-November 2026: the budget account is November's, whatever the real date.
    const clock = new ManualClock(Date.UTC(2026, 10, 15, 12));
    const counters = new MemoryLimitCounters(clock.now);
    const ledger = new MemoryBudgetLedger(async () => 0.99);
    const budgeted: LimitSubject[] = [{ scope: 'key', id: 'k3', limits: { requestsPerMinute: 1, concurrentRequests: 1, budget: { hardUsd: 1, period: 'month' } } }];
    const options = { subjects: budgeted, counters, ledger, estimateTokens: () => 0, now: clock.now };
    await expect(admit({ ...options, maximumCostUsd: () => 0.5 })).rejects.toMatchObject({ code: 'budget_exceeded' });
    // Neither the request window nor the slot was kept by the refused request.
    const admitted = await admit({ ...options, maximumCostUsd: () => 0.005 });
    expect(admitted.holdsBudget).toBe(true);
    await expect(admit({ ...options, maximumCostUsd: () => 0.001 })).rejects.toMatchObject({ code: 'rate_limited' });
    expect(ledger.openReservations).toBe(1);
    await admitted.finish({ tokens: 0, costUsd: 0.002 });
    expect(ledger.openReservations).toBe(0);
    expect(await ledger.spent('key:k3:2026-11')).toBeCloseTo(0.992, 9);
  });
});
