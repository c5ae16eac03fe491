import type { RouteTarget } from '../../domain/route-target.js';
import type { RoutingPolicy } from './routing-policy.js';

/** The first eligible target in config order, alone: no fallback, and cooldowns do not move it. */
export const staticPolicy: RoutingPolicy = {
  name: 'static',
  skipsCoolingTargets: false,
  order: (targets: readonly RouteTarget[]) => targets.slice(0, 1),
};
