import { describe, expect, it } from 'vitest';
import { admit, type LimitSubject } from '../../src/policy/admission.js';
import { effectiveLimits } from '../../src/policy/effective-limits.js';
import { MemoryLimitCounters } from '../../src/policy/memory-limit-counters.js';
import { GatewayError } from '../../src/errors/gateway-error.js';

describe('effective limits', () => {
  it('takes the subject value, else the default, and 0 turns a limit off', () => {
    expect(effectiveLimits({}, { requestsPerMinute: 100 })).toEqual({ requestsPerMinute: 100 });
    expect(effectiveLimits({ requestsPerMinute: 5 }, { requestsPerMinute: 100 })).toEqual({ requestsPerMinute: 5 });
    expect(effectiveLimits({ requestsPerMinute: 0 }, { requestsPerMinute: 100 })).toEqual({});
    expect(effectiveLimits(undefined, { tokensPerMinute: 10, concurrentRequests: 2 })).toEqual({ tokensPerMinute: 10, concurrentRequests: 2 });
  });
});

describe('memory limit counters', () => {
  it('charge all-or-nothing within fixed windows', async () => {
    let now = 60_000 * 10 + 5;
    const counters = new MemoryLimitCounters(() => now);
    const charges = [
      { counter: 'a', limit: 2, amount: 1 },
      { counter: 'b', limit: 5, amount: 3 },
    ];
    expect((await counters.charge(charges, 60_000)).admitted).toBe(true);
    const second = await counters.charge(charges, 60_000);
    expect(second.admitted).toBe(false);
    // `a` was not charged either: the refusal on `b` left every counter as it was.
    expect(second.states.map((state) => state.used)).toEqual([1, 3]);
    expect((await counters.charge([charges[0]!], 60_000)).admitted).toBe(true);
    expect((await counters.charge([charges[0]!], 60_000)).admitted).toBe(false);
    now += 60_000;
    expect((await counters.charge(charges, 60_000)).admitted).toBe(true);
  });

  it('hand out and take back concurrency slots', async () => {
    const counters = new MemoryLimitCounters();
    expect(await counters.acquireSlot('s', 2)).toBe(true);
    expect(await counters.acquireSlot('s', 2)).toBe(true);
    expect(await counters.acquireSlot('s', 2)).toBe(false);
    await counters.releaseSlot('s');
    expect(await counters.acquireSlot('s', 2)).toBe(true);
  });
});

describe('admission', () => {
  const subjects = (limits: LimitSubject['limits']): LimitSubject[] => [
    { scope: 'key', id: 'k1', limits },
    { scope: 'team', id: 't1', limits: { requestsPerMinute: 3 } },
  ];

  it('refuses past the tightest limit with headers, retry-after and the limit named', async () => {
    const counters = new MemoryLimitCounters();
    const admitted = await admit({ subjects: subjects({ requestsPerMinute: 10 }), counters, estimateTokens: () => 0 });
    expect(admitted.headers).toMatchObject({ 'x-ratelimit-limit-requests': '3', 'x-ratelimit-remaining-requests': '2' });
    await admit({ subjects: subjects({ requestsPerMinute: 10 }), counters, estimateTokens: () => 0 });
    await admit({ subjects: subjects({ requestsPerMinute: 10 }), counters, estimateTokens: () => 0 });
    const refusal = await admit({ subjects: subjects({ requestsPerMinute: 10 }), counters, estimateTokens: () => 0 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect(refusal).toMatchObject({ status: 429, code: 'rate_limited', reason: 'rate_limited.team.requests_per_minute' });
    expect(Number((refusal as GatewayError).headers['retry-after'])).toBeGreaterThan(0);
  });

  it('charges estimated tokens and settles them to the real count', async () => {
    const counters = new MemoryLimitCounters();
    const tokenSubjects: LimitSubject[] = [{ scope: 'key', id: 'k2', limits: { tokensPerMinute: 1000 } }];
    const first = await admit({ subjects: tokenSubjects, counters, estimateTokens: () => 900 });
    await expect(admit({ subjects: tokenSubjects, counters, estimateTokens: () => 200 })).rejects.toMatchObject({ reason: 'rate_limited.key.tokens_per_minute' });
    await first.settleTokens(100);
    const second = await admit({ subjects: tokenSubjects, counters, estimateTokens: () => 200 });
    expect(second.headers['x-ratelimit-remaining-tokens']).toBe('700');
  });

  it('caps requests in flight and gives slots back on release', async () => {
    const counters = new MemoryLimitCounters();
    const capped: LimitSubject[] = [{ scope: 'user', id: 'u1', limits: { concurrentRequests: 1 } }];
    const holding = await admit({ subjects: capped, counters, estimateTokens: () => 0 });
    await expect(admit({ subjects: capped, counters, estimateTokens: () => 0 })).rejects.toMatchObject({ code: 'concurrency_limited', reason: 'concurrency_limited.user' });
    await holding.release();
    await holding.release();
    await expect(admit({ subjects: capped, counters, estimateTokens: () => 0 })).resolves.toBeDefined();
  });
});
