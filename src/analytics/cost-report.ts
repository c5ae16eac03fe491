import type { RollupMeasures } from '../store/analytics-store.js';
import { addMeasures, aggregateWindow, emptyMeasures } from './aggregate-window.js';
import type { AnalyticsContext } from './analytics-context.js';
import { choiceParameter, type QueryParameters } from './analytics-query.js';
import { reportScope } from './analytics-window.js';
import { groupByChoices, groupByDimensions, groupNamesOf } from './group-dimensions.js';
import { byCostThenCalls, measuresJson, type MeasuresJson } from './measures-json.js';

/** `GET /analytics/cost`: totals over the window, and one row per group sorted by spend. */
export async function costReport(query: QueryParameters, context: AnalyticsContext) {
  const scope = reportScope(query, context);
  const groupBy = choiceParameter(query, 'group_by', groupByChoices);
  const groups = await aggregateWindow(context.store, { from: scope.from, to: scope.to, filters: scope.filters, by: groupBy ? groupByDimensions[groupBy] : [] });
  const totals = emptyMeasures();
  const rows = new Map<string | null, RollupMeasures>();
  for (const group of groups) {
    addMeasures(totals, group.measures);
    if (!groupBy) continue;
    for (const name of groupNamesOf(group, groupBy)) {
      let measures = rows.get(name);
      if (!measures) rows.set(name, (measures = emptyMeasures()));
      addMeasures(measures, group.measures);
    }
  }
  const data = [...rows.entries()]
    .map(([name, measures]) => ({ name, measures }))
    .sort(byCostThenCalls)
    .map(({ name, measures }) => {
      const row: MeasuresJson & { group: string | null; key_name?: string | null } = { group: name, ...measuresJson(measures) };
      if (groupBy === 'key') row.key_name = name === null ? null : (context.keys.get(name)?.name ?? null);
      return row;
    });
  return { object: 'analytics.cost', ...scope.bounds, group_by: groupBy ?? null, totals: measuresJson(totals), data };
}

/** What `GET /analytics/cost` answers; the dashboard reads it through this type (dashboard/src/contract.ts). */
export type CostAnswer = Awaited<ReturnType<typeof costReport>>;
