import { budgetPeriodOf } from '../policy/budget-period.js';
import type { ResolvedGroup } from '../routing/route-target.js';
import type { RollupGroup, RollupMeasures } from '../store/analytics-store.js';
import type { BudgetPeriod } from '../domain/limits.js';
import { addHistogram, addMeasures, aggregateWindow, emptyMeasures } from './aggregate-window.js';
import type { AnalyticsContext } from './analytics-context.js';
import type { QueryParameters } from './analytics-query.js';
import { reportScope } from './analytics-window.js';
import { targetNameOf } from './group-dimensions.js';
import { overheadPercentilesOf, percentilesOf, throughputPercentilesOf } from './percentiles.js';

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
const budgetPeriods: ReadonlySet<string> = new Set<BudgetPeriod>(['day', 'week', 'month']);

/** The rates every routing row reports, from its sums. */
function routingRates(measures: RollupMeasures) {
  return {
    calls: measures.calls,
    errors: measures.errors,
    success_rate: ratio(measures.calls - measures.errors - measures.cancelled, measures.calls),
    fallback_rate: ratio(measures.fallbacks, measures.calls),
    retry_rate: ratio(measures.retries, measures.attempts),
    attempts_per_call: ratio(measures.attempts, measures.calls),
    cost_usd: measures.costUsd,
    cost_per_call: ratio(measures.costUsd, measures.calls),
  };
}

interface GroupBudget {
  period: BudgetPeriod;
  hardUsd: number | null;
  softUsd: number | null;
}

/**
 * A group's contract fields, when the configuration has them: read as unknowns, since group contracts
 * (description, budget) may or may not be in this gateway's config schema.
 */
function contractOf(group: ResolvedGroup | undefined): { description: string | null; budget: GroupBudget | undefined } {
  const config = group?.config as { description?: unknown; budget?: unknown } | undefined;
  const description = typeof config?.description === 'string' ? config.description : null;
  const budget = config?.budget as { period?: unknown; hardUsd?: unknown; softUsd?: unknown } | undefined;
  if (!budget || typeof budget.period !== 'string' || !budgetPeriods.has(budget.period)) return { description, budget: undefined };
  return {
    description,
    budget: {
      period: budget.period as BudgetPeriod,
      hardUsd: typeof budget.hardUsd === 'number' ? budget.hardUsd : null,
      softUsd: typeof budget.softUsd === 'number' ? budget.softUsd : null,
    },
  };
}

interface TargetSums {
  provider: string | null;
  model: string | null;
  measures: RollupMeasures;
  latency?: number[];
  ttfb?: number[];
  overhead?: number[];
  throughput?: number[];
}

function addGroupTo(sums: TargetSums, group: RollupGroup): void {
  addMeasures(sums.measures, group.measures);
  sums.latency = addHistogram(sums.latency, group.latencyHistogram);
  sums.ttfb = addHistogram(sums.ttfb, group.ttfbHistogram);
  sums.overhead = addHistogram(sums.overhead, group.overheadHistogram);
  sums.throughput = addHistogram(sums.throughput, group.throughputHistogram);
}

/**
 * `GET /analytics/routing`: per model group (configured, or seen in the window), its totals and rates, its
 * contract (description, budget and what it spent in the budget's period, when configured) and each target
 * (`provider:model`, those configured first, in config order, then any other that served the group): its
 * share of the group's calls, success, fallback and retry rates, time to first byte, gateway overhead,
 * throughput and cost per call. One read of the routing rollups (group, provider, model), a few rows an
 * hour; plus one per budget period kind in use.
 */
export async function routingReport(query: QueryParameters, context: AnalyticsContext) {
  const scope = reportScope(query, context);
  const configured = context.groups ?? new Map<string, ResolvedGroup>();
  const rows = await aggregateWindow(context.store, { from: scope.from, to: scope.to, filters: scope.filters, by: ['group', 'provider', 'model'], histograms: true });
  const byGroup = new Map<string, Map<string, TargetSums>>();
  const groupOf = (name: string) => {
    let targets = byGroup.get(name);
    if (!targets) byGroup.set(name, (targets = new Map()));
    return targets;
  };
  for (const [name, group] of configured) {
    if (scope.filters.group !== undefined && scope.filters.group !== name) continue;
    const targets = groupOf(name);
    for (const target of group.targets) targets.set(target.id, { provider: target.provider.name, model: target.upstreamModel, measures: emptyMeasures() });
  }
  for (const row of rows) {
    const name = row.values.group;
    if (typeof name !== 'string') continue;
    const targets = groupOf(name);
    const target = targetNameOf(row.values) ?? 'none';
    let sums = targets.get(target);
    if (!sums) targets.set(target, (sums = { provider: (row.values.provider as string | null) ?? null, model: (row.values.model as string | null) ?? null, measures: emptyMeasures() }));
    addGroupTo(sums, row);
  }
  const spent = await spentByGroup([...byGroup.keys()].map((name) => contractOf(configured.get(name)).budget), context);
  const groups = [...byGroup].map(([name, targets]) => {
    const totals = emptyMeasures();
    for (const sums of targets.values()) addMeasures(totals, sums.measures);
    const { description, budget } = contractOf(configured.get(name));
    const periodBounds = budget && budgetPeriodOf(budget.period, context.now);
    return {
      group: name,
      configured: configured.has(name),
      policy: configured.get(name)?.policy ?? null,
      description,
      ...routingRates(totals),
      budget:
        budget && periodBounds
          ? { period: budget.period, period_start: new Date(periodBounds.start).toISOString(), hard_usd: budget.hardUsd, soft_usd: budget.softUsd, spent_usd: spent.get(budget.period)?.get(name) ?? 0 }
          : null,
      targets: orderedTargets(targets, configured.get(name)).map(([target, sums]) => ({
        target,
        provider: sums.provider,
        model: sums.model,
        share: ratio(sums.measures.calls, totals.calls),
        ...routingRates(sums.measures),
        ttfb_ms: percentilesOf(sums.ttfb),
        latency_ms: percentilesOf(sums.latency),
        gateway_overhead_ms: overheadPercentilesOf(sums.overhead),
        output_tokens_per_second: throughputPercentilesOf(sums.throughput),
      })),
    };
  });
  groups.sort((left, right) => right.calls - left.calls || left.group.localeCompare(right.group));
  return { object: 'analytics.routing', ...scope.bounds, groups };
}

/** What `GET /analytics/routing` answers; the dashboard reads it through this type (dashboard/src/contract.ts). */
export type RoutingAnswer = Awaited<ReturnType<typeof routingReport>>;

/** The configured targets in config order, then any other that served the group, most calls first. */
function orderedTargets(targets: ReadonlyMap<string, TargetSums>, group: ResolvedGroup | undefined): Array<[string, TargetSums]> {
  const configuredIds = new Map((group?.targets ?? []).map((target, index) => [target.id, index]));
  const rank = (id: string) => configuredIds.get(id) ?? Infinity;
  return [...targets].sort(([leftId, left], [rightId, right]) => rank(leftId) - rank(rightId) || right.measures.calls - left.measures.calls || leftId.localeCompare(rightId));
}

/** What each group spent in the current period of each budget period kind in use: one read per kind. */
async function spentByGroup(budgets: ReadonlyArray<GroupBudget | undefined>, context: AnalyticsContext): Promise<Map<BudgetPeriod, Map<string, number>>> {
  const periods = new Set(budgets.flatMap((budget) => (budget ? [budget.period] : [])));
  const spent = new Map<BudgetPeriod, Map<string, number>>();
  await Promise.all(
    [...periods].map(async (period) => {
      const bounds = budgetPeriodOf(period, context.now);
      const groups = await aggregateWindow(context.store, { from: bounds.start, to: Math.ceil((context.now + 1) / 60_000) * 60_000, filters: {}, by: ['group'] });
      const byName = new Map<string, number>();
      for (const group of groups) if (typeof group.values.group === 'string') byName.set(group.values.group, group.measures.costUsd);
      spent.set(period, byName);
    }),
  );
  return spent;
}
