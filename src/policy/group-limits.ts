import type { BudgetPeriod, LimitSettings } from '../domain/limits.js';
import type { KeyRecord } from '../domain/key-record.js';
import type { LimitSubject } from '../domain/limit-subject.js';
import { effectiveLimits } from './effective-limits.js';

/** A model group's quota as admission uses it, built once per group when the router is built. */
export interface GroupLimits {
  readonly name: string;
  /**
   * The group as an admission subject (scope `group`), or undefined when it sets no limit and no budget: a
   * group call then costs admission nothing more than a plain one.
   */
  readonly subject: LimitSubject | undefined;
  /** The period of a key's share of the group (`groupBudgets`): the group budget's, else a month. */
  readonly keyBudgetPeriod: BudgetPeriod;
}

const noDefaults: LimitSettings = {};

/** `groups.<name>.limits` and `.budget` → the group's subject, with 0 meaning no limit as for every other subject. */
export function groupLimitsOf(
  name: string,
  config: { limits?: Omit<LimitSettings, 'budget' | 'timeouts' | 'groupBudgets'> | undefined; budget?: LimitSettings['budget'] | undefined },
): GroupLimits {
  const limits = effectiveLimits({ ...config.limits, ...(config.budget ? { budget: config.budget } : {}) }, noDefaults);
  const limited =
    limits.requestsPerMinute !== undefined || limits.tokensPerMinute !== undefined || limits.concurrentRequests !== undefined || limits.budget !== undefined;
  return Object.freeze({
    name,
    subject: limited
      ? Object.freeze({
          scope: 'group' as const,
          id: name,
          limits,
          counterNames: Object.freeze({ requests: `requests:group:${name}`, tokens: `tokens:group:${name}`, concurrency: `concurrency:group:${name}` }),
        })
      : undefined,
    keyBudgetPeriod: config.budget?.period ?? 'month',
  });
}

/**
 * The key's share of the group (`limits.groupBudgets[group]`, a hard cap in USD) as a subject of its own, or
 * undefined. The group's name comes from the config (the router found it), but the record is the key's
 * JSON: read as an own property only.
 */
export function keyGroupSubject(key: KeyRecord, group: GroupLimits): LimitSubject | undefined {
  const budgets = key.limits.groupBudgets;
  if (budgets === undefined || !Object.hasOwn(budgets, group.name)) return undefined;
  const hardUsd = budgets[group.name];
  // 0 is no cap, as for every other budget.
  if (typeof hardUsd !== 'number' || !(hardUsd > 0)) return undefined;
  return { scope: 'key_group', id: key.id, group: group.name, limits: { budget: { period: group.keyBudgetPeriod, hardUsd } } };
}
