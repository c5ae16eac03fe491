import type { RouteTarget } from '../route-target.js';
import type { PolicyContext, RoutingPolicy } from './routing-policy.js';

/**
 * Lowest recent time to first token first (a moving average per target). Targets with no recent
 * observation come before all others, in config order: they are how the policy learns, and how a target
 * once slow gets another chance when its estimate has aged out.
 */
export const leastLatencyPolicy: RoutingPolicy = {
  name: 'least-latency',
  skipsCoolingTargets: true,
  order(targets: readonly RouteTarget[], { stats }: PolicyContext): readonly RouteTarget[] {
    const latency = new Map(targets.map((target) => [target, stats.timeToFirstTokenMs(target.id) ?? -1]));
    // Array#sort is stable: equal estimates (and the unknown, all -1) keep config order.
    return [...targets].sort((left, right) => latency.get(left)! - latency.get(right)!);
  },
};
