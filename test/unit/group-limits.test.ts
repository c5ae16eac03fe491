import { describe, expect, it } from 'vitest';
import { groupBudgetsFromFlag } from '../../src/cli/group-budget-option.js';
import { parseConfig } from '../../src/config/load-config.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { admit, limitSubjects } from '../../src/policy/admission.js';
import { groupLimitsOf, keyGroupSubject } from '../../src/policy/group-limits.js';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';
import { MemoryLimitCounters } from '../../src/policy/memory-limit-counters.js';
import type { PrincipalView } from '../../src/policy/principal-view.js';
import type { KeyRecord } from '../../src/domain/key-record.js';
import { ManualClock } from '../helpers/manual-clock.js';

const bigCoder = {
  description: 'Agentic coding; tool use required; long context',
  workloads: ['coding-agent', 'refactor'],
  clients: ['anthropic-messages', 'openai-responses'],
  modalities: ['text', 'image'],
  successCriteria: '≥ 90% of the weekly eval suite passes',
  limits: { requestsPerMinute: 600, tokensPerMinute: 4000000, concurrentRequests: 64, queueMs: 2000 },
  budget: { period: 'month', hardUsd: 500, softUsd: 400 },
  policy: 'failover',
  targets: [{ model: 'anthropic:claude-sonnet-4-5' }],
};

function keyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: 'key_1',
    name: 'k',
    hash: '',
    hint: '',
    userName: null,
    teamName: null,
    allowedModels: null,
    role: 'user',
    isAdmin: false,
    limits: {},
    defaultModel: null,
    run: null,
    capture: null,
    createdAt: 0,
    revokedAt: null,
    updatedAt: 0,
    ...overrides,
  };
}

const noPrincipals = { find: () => undefined } as unknown as PrincipalView;
const noDefaults = { key: {}, user: {}, team: {} };

describe('group contracts in the config', () => {
  it("reads the issue's example as written, every existing field kept", () => {
    const group = parseConfig({ groups: { 'big-coder': bigCoder } }, {}).groups['big-coder']!;
    expect(group).toMatchObject({ ...bigCoder, targets: [{ model: 'anthropic:claude-sonnet-4-5', weight: 1 }] });
    expect(group.retry).toEqual({ attempts: 2, maxRetryAfterMs: 5000, timeouts: false });
  });

  it('refuses an unknown caller shape, an unknown modality, a budget field in limits and an unknown field', () => {
    const refused = (group: Record<string, unknown>) => () => parseConfig({ groups: { g: { targets: [{ model: 'openai:gpt-4o' }], ...group } } }, {});
    expect(refused({ clients: ['openai'] })).toThrow(/clients/);
    expect(refused({ modalities: ['video'] })).toThrow(/modalities/);
    expect(refused({ limits: { budget: { period: 'month', hardUsd: 1 } } })).toThrow(/limits/);
    expect(refused({ budget: { period: 'year', hardUsd: 1 } })).toThrow(/budget/);
    expect(refused({ owner: 'me' })).toThrow(/owner/);
  });
});

describe('group limits', () => {
  it('a group that sets nothing is no subject; 0 is no limit; a queue time needs a cap', () => {
    expect(groupLimitsOf('plain', {}).subject).toBeUndefined();
    expect(groupLimitsOf('zeros', { limits: { requestsPerMinute: 0 }, budget: { period: 'day', hardUsd: 0 } }).subject).toBeUndefined();
    expect(groupLimitsOf('queued', { limits: { requestsPerMinute: 5, queueMs: 100 } }).subject).toEqual({
      scope: 'group',
      id: 'queued',
      limits: { requestsPerMinute: 5 },
      // Named once, as admission would name them per call.
      counterNames: { requests: 'requests:group:queued', tokens: 'tokens:group:queued', concurrency: 'concurrency:group:queued' },
    });
    const limited = groupLimitsOf('big-coder', { limits: bigCoder.limits, budget: { period: 'week', hardUsd: 500, softUsd: 400 } });
    expect(limited.subject?.limits).toEqual({ ...bigCoder.limits, budget: { period: 'week', hardUsd: 500, softUsd: 400 } });
    expect(limited.keyBudgetPeriod).toBe('week');
    expect(groupLimitsOf('monthly', {}).keyBudgetPeriod).toBe('month');
  });

  it("a key's share is read from its own properties only, and 0 is none", () => {
    const group = groupLimitsOf('constructor', {});
    expect(keyGroupSubject(keyRecord({ limits: {} }), group)).toBeUndefined();
    // `constructor` is a valid-looking group name: an inherited property must not read as a share.
    expect(keyGroupSubject(keyRecord({ limits: { groupBudgets: {} } }), group)).toBeUndefined();
    expect(keyGroupSubject(keyRecord({ limits: { groupBudgets: { constructor: 0 } } }), group)).toBeUndefined();
    expect(keyGroupSubject(keyRecord({ limits: { groupBudgets: { constructor: 7 } } }), group)).toEqual({
      scope: 'key_group',
      id: 'key_1',
      group: 'constructor',
      limits: { budget: { period: 'month', hardUsd: 7 } },
    });
  });

  it("limitSubjects adds the group and the key's share only for a group call", () => {
    const group = groupLimitsOf('big-coder', { limits: { requestsPerMinute: 3 } });
    const key = keyRecord({ limits: { groupBudgets: { 'big-coder': 50 } } });
    expect(limitSubjects(key, noPrincipals, noDefaults).map((subject) => subject.scope)).toEqual(['key']);
    expect(limitSubjects(key, noPrincipals, noDefaults, group).map((subject) => subject.scope)).toEqual(['key', 'group', 'key_group']);
  });

  it("is all or nothing with the key's own limits: a refusal by the group leaves the key's window as it was", async () => {
    const counters = new MemoryLimitCounters(new ManualClock().now);
    const key = keyRecord({ limits: { requestsPerMinute: 2 } });
    const group = groupLimitsOf('tight', { limits: { requestsPerMinute: 1 } });
    const options = (withGroup: boolean) => ({ subjects: limitSubjects(key, noPrincipals, noDefaults, withGroup ? group : undefined), counters, estimateTokens: () => 0 });
    await admit(options(true));
    const refusal = (await admit(options(true)).catch((error: unknown) => error)) as GatewayError;
    expect(refusal).toMatchObject({ code: 'rate_limited', reason: 'rate_limited.group.requests_per_minute' });
    expect(refusal.message).toContain("Rate limit reached for the group 'tight': 1 requests per minute");
    // The refused call did not use the key's second request of the minute.
    const admitted = await admit(options(false));
    expect(admitted.headers['x-ratelimit-remaining-requests']).toBe('0');
  });

  it("reserves on the group and the key's share together, refuses naming the one that is short, and settles both", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 15, 12));
    const ledger = new MemoryBudgetLedger(async () => 0);
    const counters = new MemoryLimitCounters(clock.now);
    const group = groupLimitsOf('big-coder', { budget: { period: 'month', hardUsd: 10 } });
    const key = keyRecord({ limits: { groupBudgets: { 'big-coder': 1 } } });
    const options = { subjects: limitSubjects(key, noPrincipals, noDefaults, group), counters, ledger, estimateTokens: () => 0, now: clock.now };
    const admitted = await admit({ ...options, maximumCostUsd: () => 0.5 });
    await admitted.finish({ tokens: 0, costUsd: 0.25 });
    expect(await ledger.spent('group:big-coder:2026-11')).toBeCloseTo(0.25, 9);
    expect(await ledger.spent('key_group:key_1:big-coder:2026-11')).toBeCloseTo(0.25, 9);
    const refusal = (await admit({ ...options, maximumCostUsd: () => 0.9 }).catch((error: unknown) => error)) as GatewayError;
    expect(refusal).toMatchObject({ code: 'budget_exceeded', reason: 'budget_exceeded.key_group' });
    expect(refusal.message).toContain("Budget for this key in the group 'big-coder' cannot cover this request");
    expect(ledger.openReservations).toBe(0);
    // Another key has no share: only the group's cap applies to it.
    const other = keyRecord({ id: 'key_2' });
    await expect(admit({ ...options, subjects: limitSubjects(other, noPrincipals, noDefaults, group), maximumCostUsd: () => 0.9 })).resolves.toBeDefined();
  });
});

describe('--group-budget', () => {
  it('sets, keeps, and removes shares; refuses what is not group=usd', () => {
    expect(groupBudgetsFromFlag(undefined, { a: 1 })).toEqual({ a: 1 });
    expect(groupBudgetsFromFlag(['big-coder=50'], { a: 1 })).toEqual({ a: 1, 'big-coder': 50 });
    expect(groupBudgetsFromFlag(['a=0', 'b=2.5'], { a: 1 })).toEqual({ b: 2.5 });
    expect(() => groupBudgetsFromFlag(['big-coder'], undefined)).toThrow(/group=usd/);
    expect(() => groupBudgetsFromFlag(['big-coder=-1'], undefined)).toThrow(/USD ≥ 0/);
    expect(() => groupBudgetsFromFlag(['__proto__=1'], undefined)).toThrow(/__proto__/);
  });
});
