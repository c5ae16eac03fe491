import type { UsageTotalsOptions } from '../domain/usage-summary.js';

/** The `usage_rows` column each `usageTotals` scope filters on (both stores). */
export const usageTotalsColumns: Readonly<Record<UsageTotalsOptions['scope'], string>> = {
  key: 'key_id',
  user: 'user_name',
  team: 'team_name',
  group: 'group_name',
};
