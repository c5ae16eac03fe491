import { admit, type LimitSubject } from '../src/policy/admission.js';
import { MemoryBudgetLedger } from '../src/policy/memory-budget-ledger.js';
import { MemoryLimitCounters } from '../src/policy/memory-limit-counters.js';
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
