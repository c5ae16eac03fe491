import type { UsageGrouping } from '../domain/usage-summary.js';

/**
 * The SQL each `summarizeUsage` grouping groups by, over `usage_rows u` joined to `gateway_keys k`: the
 * same text in SQLite and PostgreSQL, so both stores read it from here.
 */
export const usageGroupingColumns: Record<UsageGrouping, string> = {
  model: 'COALESCE(u.upstream_model, u.requested_model)',
  key: 'COALESCE(k.name, u.key_id)',
  user: 'u.user_name',
  team: 'u.team_name',
  provider: 'u.provider',
  group: 'u.group_name',
  // The target that served (or last tried) the call; NULL when no provider was chosen.
  target: "u.provider || ':' || u.upstream_model",
  requester: 'u.requester',
};
