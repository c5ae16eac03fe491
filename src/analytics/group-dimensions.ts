import type { RollupDimension, RollupGroup } from '../store/analytics-store.js';

/**
 * What `group_by` takes, and the rollup dimensions behind each: `target` is the `provider:model` that
 * served the call (or last tried it), `group` the model group called.
 */
export const groupByChoices = ['model', 'provider', 'key', 'user', 'team', 'tag', 'requester', 'group', 'target'] as const;
export type GroupBy = (typeof groupByChoices)[number];

export const groupByDimensions: Record<GroupBy, readonly RollupDimension[]> = {
  model: ['model'],
  provider: ['provider'],
  key: ['key'],
  user: ['user'],
  team: ['team'],
  tag: ['tags'],
  requester: ['requester'],
  group: ['group'],
  target: ['provider', 'model'],
};

/** A target's name, `provider:model`, as routing and `x-sluice-route` spell it; null when no provider was chosen. */
export function targetNameOf(values: RollupGroup['values']): string | null {
  const provider = values.provider;
  if (provider === null || provider === undefined) return null;
  return `${String(provider)}:${String(values.model ?? '')}`;
}

/**
 * The group names a rollup group counts in: its value, or for tags each tag of its list (a call with two
 * tags counts in both; one without any in `null`).
 */
export function groupNamesOf(group: RollupGroup, groupBy: GroupBy): Array<string | null> {
  if (groupBy === 'target') return [targetNameOf(group.values)];
  const value = group.values[groupByDimensions[groupBy][0]!];
  if (groupBy !== 'tag') return [value === null || value === undefined ? null : String(value)];
  const tags = JSON.parse(String(value ?? '[]')) as string[];
  return tags.length === 0 ? [null] : tags;
}
