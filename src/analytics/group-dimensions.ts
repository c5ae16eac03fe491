import type { RollupDimension, RollupGroup } from '../store/analytics-store.js';

/** What `group_by` takes, and the rollup dimension behind each. */
export const groupByChoices = ['model', 'provider', 'key', 'user', 'team', 'tag', 'requester', 'group'] as const;
export type GroupBy = (typeof groupByChoices)[number];

export const groupByDimension: Record<GroupBy, RollupDimension> = {
  model: 'model',
  provider: 'provider',
  key: 'key',
  user: 'user',
  team: 'team',
  tag: 'tags',
  requester: 'requester',
  group: 'group',
};

/**
 * The group names a rollup group counts in: its value, or for tags each tag of its list (a call with two
 * tags counts in both; one without any in `null`).
 */
export function groupNamesOf(group: RollupGroup, groupBy: GroupBy): Array<string | null> {
  const value = group.values[groupByDimension[groupBy]];
  if (groupBy !== 'tag') return [value === null || value === undefined ? null : String(value)];
  const tags = JSON.parse(String(value ?? '[]')) as string[];
  return tags.length === 0 ? [null] : tags;
}
