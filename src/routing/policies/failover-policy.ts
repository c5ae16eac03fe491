import type { RouteTarget } from '../../domain/route-target.js';
import type { RoutingPolicy } from './routing-policy.js';

/** Config order: the first usable target, then the next on failure. */
export const failoverPolicy: RoutingPolicy = {
  name: 'failover',
  skipsCoolingTargets: true,
  order: (targets: readonly RouteTarget[]) => targets,
};
