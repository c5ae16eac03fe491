import type { RouteTarget } from '../../domain/route-target.js';
import type { PolicyContext, RoutingPolicy } from './routing-policy.js';
import { sortTargetsBy } from './sort-targets-by.js';

/**
 * Lowest recent time to first token first (a moving average per target). Targets with no recent
 * observation come before all others, in config order: they are how the policy learns, and how a target
 * once slow gets another chance when its estimate has aged out.
 */
export const leastLatencyPolicy: RoutingPolicy = {
  name: 'least-latency',
  skipsCoolingTargets: true,
  order(targets: readonly RouteTarget[], { stats }: PolicyContext): readonly RouteTarget[] {
    const now = stats.now();
    // The unknown all sort as -1, keeping config order among themselves.
    return sortTargetsBy(targets, (target) => stats.timeToFirstTokenMs(target.id, now) ?? -1);
  },
};
