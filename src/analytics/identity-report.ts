import type { RollupGroup, RollupMeasures } from '../store/analytics-store.js';
import { addMeasures, aggregateWindow, emptyMeasures } from './aggregate-window.js';
import type { AnalyticsContext } from './analytics-context.js';
import type { QueryParameters } from './analytics-query.js';
import { reportScope, type ReportScope } from './analytics-window.js';
import { quotasOf } from './identity-quota.js';
import { byCostThenCalls, measuresJson } from './measures-json.js';

/** Rows of one identity: summed measures and what else the report shows about it. */
interface IdentityRow<Extra> {
  id: string | null;
  measures: RollupMeasures;
  extra: Extra;
}

/** Groups rollup groups by one of their values, summing measures and folding the rest into `extra`. */
function collect<Extra>(groups: readonly RollupGroup[], idOf: (group: RollupGroup) => string | null, start: () => Extra, fold: (extra: Extra, group: RollupGroup) => void): Array<IdentityRow<Extra>> {
  const rows = new Map<string | null, IdentityRow<Extra>>();
  for (const group of groups) {
    const id = idOf(group);
    let row = rows.get(id);
    if (!row) rows.set(id, (row = { id, measures: emptyMeasures(), extra: start() }));
    addMeasures(row.measures, group.measures);
    fold(row.extra, group);
  }
  return [...rows.values()].sort(byCostThenCalls);
}

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** `top` when one row holds more than half the window's spend. */
function topOf(rows: ReadonlyArray<{ name: string | null; measures: RollupMeasures }>): { name: string | null; share: number } | null {
  const total = rows.reduce((sum, row) => sum + row.measures.costUsd, 0);
  if (total <= 0) return null;
  const first = rows[0];
  if (!first) return null;
  const share = first.measures.costUsd / total;
  return share > 0.5 ? { name: first.name, share } : null;
}

/** Each inbound API shape with its calls, most calls first (then by name, so equal counts keep one order). */
function callsByDialect(calls: ReadonlyMap<string, number>): Array<{ dialect: string; calls: number }> {
  return [...calls.entries()]
    .sort(([nameA, callsA], [nameB, callsB]) => callsB - callsA || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0))
    .map(([dialect, count]) => ({ dialect, calls: count }));
}

function header(kind: string, scope: ReportScope): { object: string; from: string; to: string } {
  return { object: `analytics.${kind}`, ...scope.bounds };
}

/** `GET /analytics/by_team`: each team with its users inline (and how many), its budget and spend this period. */
export async function byTeamReport(query: QueryParameters, context: AnalyticsContext) {
  const scope = reportScope(query, context);
  const groups = await aggregateWindow(context.store, { from: scope.from, to: scope.to, filters: scope.filters, by: ['team', 'user'] });
  const teams = collect(
    groups,
    (group) => text(group.values.team),
    () => new Map<string | null, RollupMeasures>(),
    (users, group) => {
      const user = text(group.values.user);
      let measures = users.get(user);
      if (!measures) users.set(user, (measures = emptyMeasures()));
      addMeasures(measures, group.measures);
    },
  );
  const quotas = await quotasOf('team', teams.map((team) => team.id), context);
  const data = teams.map((team) => ({
    team: team.id,
    ...measuresJson(team.measures),
    // Distinct named users with calls in the window; calls made without a user are not one.
    users: [...team.extra.keys()].filter((user) => user !== null).length,
    quota: team.id === null ? null : (quotas.get(team.id) ?? null),
    by_user: [...team.extra.entries()]
      .map(([user, measures]) => ({ user, measures }))
      .sort(byCostThenCalls)
      .map(({ user, measures }) => ({ user, ...measuresJson(measures) })),
  }));
  return { ...header('by_team', scope), top: topOf(teams.map((team) => ({ name: team.id, measures: team.measures }))), data };
}

/** `GET /analytics/by_user`: each user with the team of its latest call, its budget and spend this period. */
export async function byUserReport(query: QueryParameters, context: AnalyticsContext) {
  const scope = reportScope(query, context);
  const groups = await aggregateWindow(context.store, { from: scope.from, to: scope.to, filters: scope.filters, by: ['user', 'team'] });
  const users = collect(
    groups,
    (group) => text(group.values.user),
    () => ({ team: null as string | null, lastAt: -1 }),
    (latest, group) => {
      if (group.measures.lastAt > latest.lastAt) {
        latest.lastAt = group.measures.lastAt;
        latest.team = text(group.values.team);
      }
    },
  );
  const quotas = await quotasOf('user', users.map((user) => user.id), context);
  const data = users.map((user) => ({ user: user.id, team: user.extra.team, ...measuresJson(user.measures), quota: user.id === null ? null : (quotas.get(user.id) ?? null) }));
  return { ...header('by_user', scope), top: topOf(users.map((user) => ({ name: user.id, measures: user.measures }))), data };
}

/** `GET /analytics/by_key`: each key with its name, owner, revocation, last call, inbound API shapes and their calls, budget. */
export async function byKeyReport(query: QueryParameters, context: AnalyticsContext) {
  const scope = reportScope(query, context);
  const groups = await aggregateWindow(context.store, { from: scope.from, to: scope.to, filters: scope.filters, by: ['key', 'dialect', 'user', 'team'] });
  const keys = collect(
    groups,
    (group) => text(group.values.key),
    () => ({ dialectCalls: new Map<string, number>(), user: null as string | null, team: null as string | null, lastAt: -1 }),
    (seen, group) => {
      const dialect = String(group.values.dialect);
      seen.dialectCalls.set(dialect, (seen.dialectCalls.get(dialect) ?? 0) + group.measures.calls);
      if (group.measures.lastAt > seen.lastAt) {
        seen.lastAt = group.measures.lastAt;
        seen.user = text(group.values.user);
        seen.team = text(group.values.team);
      }
    },
  );
  const quotas = await quotasOf('key', keys.map((key) => key.id), context);
  const data = keys.map((row) => {
    const key = row.id === null ? undefined : context.keys.get(row.id);
    return {
      key_id: row.id,
      key_name: key?.name ?? null,
      // The key's owner now; a key unknown to the store (or no key) shows who its latest call was for.
      user: key ? key.userName : row.extra.user,
      team: key ? key.teamName : row.extra.team,
      revoked: key?.revokedAt !== null && key?.revokedAt !== undefined,
      ...measuresJson(row.measures),
      last_call_at: row.extra.lastAt > 0 ? new Date(row.extra.lastAt).toISOString() : null,
      dialects: [...row.extra.dialectCalls.keys()].sort(),
      calls_by_dialect: callsByDialect(row.extra.dialectCalls),
      quota: row.id === null ? null : (quotas.get(row.id) ?? null),
    };
  });
  const top = topOf(keys.map((row) => ({ name: row.id === null ? null : (context.keys.get(row.id)?.name ?? row.id), measures: row.measures })));
  return { ...header('by_key', scope), top, data };
}

/** What `GET /analytics/by_team`, `by_user` and `by_key` answer; the dashboard reads them through these types (dashboard/src/contract.ts). */
export type ByTeamAnswer = Awaited<ReturnType<typeof byTeamReport>>;
export type ByUserAnswer = Awaited<ReturnType<typeof byUserReport>>;
export type ByKeyAnswer = Awaited<ReturnType<typeof byKeyReport>>;
