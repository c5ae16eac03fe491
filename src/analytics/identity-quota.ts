import type { SubjectScope } from '../domain/limit-subject.js';
import { budgetPeriodOf } from '../policy/budget-period.js';
import { effectiveLimits } from '../policy/effective-limits.js';
import type { RollupDimension } from '../store/analytics-store.js';
import type { BudgetPeriod, LimitSettings } from '../domain/limits.js';
import { aggregateWindow } from './aggregate-window.js';
import type { AnalyticsContext } from './analytics-context.js';

export interface QuotaJson {
  period: BudgetPeriod;
  period_start: string;
  soft_usd: number | null;
  hard_usd: number | null;
  spent_usd: number;
}

const scopeDimension: Record<SubjectScope, RollupDimension> = { key: 'key', user: 'user', team: 'team' };

/** The limits admission applies to an identity: its own merged with the configured defaults. */
function limitsOf(scope: SubjectScope, id: string, context: AnalyticsContext): LimitSettings {
  if (scope === 'key') return effectiveLimits(context.keys.get(id)?.limits, context.limitDefaults.key);
  return effectiveLimits(context.principals.find(scope, id)?.limits, context.limitDefaults[scope]);
}

/**
 * Each identity's budget and what it spent in the budget's current period (not the report's window): one
 * rollup query per period kind in use, whatever the number of identities; the ledger's figure wins when
 * higher (it also holds calls in flight), as in `/v1/usage`. Identities without a budget get null.
 */
export async function quotasOf(scope: SubjectScope, ids: ReadonlyArray<string | null>, context: AnalyticsContext): Promise<Map<string, QuotaJson | null>> {
  const budgets = new Map<string, NonNullable<LimitSettings['budget']>>();
  for (const id of ids) {
    if (id === null) continue;
    const budget = limitsOf(scope, id, context).budget;
    if (budget) budgets.set(id, budget);
  }
  const periods = new Set([...budgets.values()].map((budget) => budget.period));
  const spentByPeriod = new Map<BudgetPeriod, Map<string, number>>();
  await Promise.all(
    [...periods].map(async (period) => {
      const bounds = budgetPeriodOf(period, context.now);
      // Budget periods start on UTC days, so the day rollups answer most of the period.
      const groups = await aggregateWindow(context.store, { from: bounds.start, to: Math.ceil((context.now + 1) / 60_000) * 60_000, filters: {}, by: [scopeDimension[scope]] });
      const spent = new Map<string, number>();
      for (const group of groups) {
        const id = group.values[scopeDimension[scope]];
        if (typeof id === 'string') spent.set(id, group.measures.costUsd);
      }
      spentByPeriod.set(period, spent);
    }),
  );
  const quotas = new Map<string, QuotaJson | null>();
  await Promise.all(
    ids.map(async (id) => {
      if (id === null) return;
      const budget = budgets.get(id);
      if (!budget) {
        quotas.set(id, null);
        return;
      }
      const bounds = budgetPeriodOf(budget.period, context.now);
      const stored = spentByPeriod.get(budget.period)?.get(id) ?? 0;
      const ledger = await context.budgetLedger.spent(`${scope}:${id}:${bounds.label}`).catch(() => 0);
      quotas.set(id, {
        period: budget.period,
        period_start: new Date(bounds.start).toISOString(),
        soft_usd: budget.softUsd ?? null,
        hard_usd: budget.hardUsd ?? null,
        spent_usd: Math.max(stored, ledger),
      });
    }),
  );
  return quotas;
}
