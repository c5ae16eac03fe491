import { pathToFileURL } from 'node:url';
import { admit, limitSubjects } from '../src/policy/admission.js';
import { type LimitSubject } from '../src/domain/limit-subject.js';
import { groupLimitsOf, type GroupLimits } from '../src/policy/group-limits.js';
import { MemoryBudgetLedger } from '../src/policy/memory-budget-ledger.js';
import { MemoryLimitCounters } from '../src/policy/memory-limit-counters.js';
import type { PrincipalView } from '../src/policy/principal-view.js';
import type { KeyRecord } from '../src/domain/key-record.js';
import type { LimitSettings } from '../src/domain/limits.js';
import type { PrincipalRecord } from '../src/domain/principal-record.js';
import { log } from './log.js';

/**
 * The in-process admission code alone (`admit`, then `finish`), timed in a loop in this process: a steady
 * number beside the server-level difference, which moves by tens of microseconds from run to run.
 */
export async function admissionCost(): Promise<{ limits: number; limitsAndBudgets: number }> {
  const limits = { requestsPerMinute: 1e9, tokensPerMinute: 1e12, concurrentRequests: 1e6 };
  const budget = { hardUsd: 1e9, period: 'month' as const };
  const subjects = (withBudget: boolean): LimitSubject[] =>
    (['key', 'user', 'team'] as const).map((scope) => ({ scope, id: `bench-${scope}`, limits: withBudget ? { ...limits, budget } : limits }));
  const measure = async (withBudget: boolean) => {
    const counters = new MemoryLimitCounters();
    const ledger = new MemoryBudgetLedger(async () => 0);
    const options = { subjects: subjects(withBudget), counters, ledger, estimateTokens: () => 100, maximumCostUsd: () => 0.001 };
    const once = async () => (await admit(options)).finish({ tokens: 80, costUsd: 0.0005 });
    for (let call = 0; call < 20_000; call++) await once();
    const calls = 100_000;
    const started = performance.now();
    for (let call = 0; call < calls; call++) await once();
    return ((performance.now() - started) * 1000) / calls;
  };
  const result = { limits: await measure(false), limitsAndBudgets: await measure(true) };
  log(`admission code alone: limits ${result.limits.toFixed(1)} µs, limits + budgets ${result.limitsAndBudgets.toFixed(1)} µs per call`);
  return result;
}

/** What a model group adds to one admission, in process, µs per call (each the fastest of interleaved rounds). */
export interface GroupAdmissionCost {
  /** The baseline: key, user and team with requests, tokens and concurrency capped (9 counters), no group. */
  identities: number;
  /** A call to a group that sets no quota: the check alone. */
  groupWithoutQuota: number;
  /** The group's requests, tokens and concurrency on top (12 counters). */
  groupLimits: number;
  /** Identities with budgets (9 counters, 3 budgets), no group: the baseline of the next. */
  identitiesWithBudgets: number;
  /** The same plus the group's limits and budget and the key's share of it (12 counters, 5 budgets). */
  groupLimitsAndBudgets: number;
}

/**
 * The group-limit check as the request path runs it: `limitSubjects` (which adds the group and the key's
 * share) and then `admit` and `finish`, against the same with no group. Cases run in interleaved rounds so a
 * slower stretch of the machine (two cores shared with others) lands on every case alike.
 */
export async function groupAdmissionCost(rounds = 31, callsPerRound = 20_000): Promise<GroupAdmissionCost> {
  const limits = { requestsPerMinute: 1e9, tokensPerMinute: 1e12, concurrentRequests: 1e6 };
  const budget = { hardUsd: 1e9, period: 'month' as const };
  const principal = (name: string, own: LimitSettings): PrincipalRecord => ({ name, limits: own, allowedModels: null, defaultModel: null, capture: null, updatedAt: 0 });
  const principalsWith = (own: LimitSettings): PrincipalView => {
    const users = new Map([['bench-user', principal('bench-user', own)]]);
    const teams = new Map([['bench-team', principal('bench-team', own)]]);
    return { find: (kind: 'user' | 'team', name: string | null) => (name === null ? undefined : (kind === 'user' ? users : teams).get(name)) } as unknown as PrincipalView;
  };
  const key = (own: LimitSettings): KeyRecord => ({
    id: 'bench-key',
    name: 'bench-key',
    hash: '',
    hint: '',
    userName: 'bench-user',
    teamName: 'bench-team',
    allowedModels: null,
    role: 'user',
    isAdmin: false,
    limits: own,
    defaultModel: null,
    run: null,
    capture: null,
    createdAt: 0,
    revokedAt: null,
    updatedAt: 0,
  });
  const defaults = { key: {}, user: {}, team: {} };
  const plainGroup = groupLimitsOf('plain-group', {});
  const limitedGroup = groupLimitsOf('limited-group', { limits });
  const budgetedGroup = groupLimitsOf('budgeted-group', { limits, budget });

  const caseOf = (withBudgets: boolean, group: GroupLimits | undefined) => {
    const own: LimitSettings = withBudgets ? { ...limits, budget, groupBudgets: { 'budgeted-group': 1e9 } } : limits;
    const caller = key(own);
    const principals = principalsWith(withBudgets ? { ...limits, budget } : limits);
    const counters = new MemoryLimitCounters();
    const ledger = new MemoryBudgetLedger(async () => 0);
    return async () => {
      // As admit-call.ts does per call: the subjects, then admission, then the settlement.
      const subjects = limitSubjects(caller, principals, defaults, group);
      const admission = await admit({ subjects, counters, ledger, estimateTokens: () => 100, maximumCostUsd: () => 0.001 });
      await admission.finish({ tokens: 80, costUsd: 0.0005 });
    };
  };
  const cases = {
    identities: caseOf(false, undefined),
    groupWithoutQuota: caseOf(false, plainGroup),
    groupLimits: caseOf(false, limitedGroup),
    identitiesWithBudgets: caseOf(true, undefined),
    groupLimitsAndBudgets: caseOf(true, budgetedGroup),
  };
  const samples = new Map<keyof typeof cases, number[]>(Object.keys(cases).map((name) => [name as keyof typeof cases, []]));
  for (const once of Object.values(cases)) for (let call = 0; call < 20_000; call++) await once();
  const entries = Object.entries(cases) as Array<[keyof typeof cases, () => Promise<void>]>;
  for (let round = 0; round < rounds; round++) {
    // Each round starts with another case, so none is always the one timed right after a collection.
    for (const [name, once] of entries.map((_, index) => entries[(index + round) % entries.length]!)) {
      const started = performance.now();
      for (let call = 0; call < callsPerRound; call++) await once();
      samples.get(name)!.push(((performance.now() - started) * 1000) / callsPerRound);
    }
  }
  // The fastest round of each case: on a shared machine other processes only ever add time, so the
  // quickest round is the one least disturbed (a median still moved by a microsecond from run to run).
  const result = Object.fromEntries([...samples].map(([name, values]) => [name, Math.min(...values)])) as unknown as GroupAdmissionCost;
  log(
    `group admission: no group ${result.identities.toFixed(2)} µs; group without quota ${signedMicroseconds(result.groupWithoutQuota - result.identities)}; ` +
      `group limits ${signedMicroseconds(result.groupLimits - result.identities)}; ` +
      `group limits + budget + key share ${signedMicroseconds(result.groupLimitsAndBudgets - result.identitiesWithBudgets)} (over ${result.identitiesWithBudgets.toFixed(2)} µs with identity budgets)`,
  );
  return result;
}

function signedMicroseconds(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)} µs`;
}

// `node dist/bench/admission-cost.js` runs these two alone, without the whole benchmark.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await admissionCost();
  const group = await groupAdmissionCost();
  process.stdout.write(`${JSON.stringify(group, null, 2)}\n`);
}
