import type { ResolvedGroup } from '../route-target.js';
import type { RouteTarget } from '../../domain/route-target.js';
import type { RoutingPolicy } from './routing-policy.js';

/**
 * Smooth weighted round robin, as nginx does it: every pick adds each usable target's weight to its
 * running score, takes the highest, and takes the total back from the winner. Over any run of picks each
 * target's share follows its weight, spread out rather than in bursts (weights 3:1 give a a b a, not a a a
 * b). Targets not usable for a call (ineligible, cooling) neither score nor win on it. The fallbacks after
 * the pick follow in weight order, heaviest first, config order between equals.
 */
export class WeightedPolicy implements RoutingPolicy {
  readonly name = 'weighted';
  readonly skipsCoolingTargets = true;
  /** Running score per target, indexed by `RouteTarget.index`. */
  readonly #scores: Float64Array;
  /** The group's targets by weight, heaviest first (stable), for the fallback order. */
  readonly #byWeight: readonly RouteTarget[];

  constructor(group: ResolvedGroup) {
    this.#scores = new Float64Array(group.targets.length);
    this.#byWeight = [...group.targets].sort((left, right) => right.weight - left.weight || left.index - right.index);
  }

  order(targets: readonly RouteTarget[]): readonly RouteTarget[] {
    const scores = this.#scores;
    let total = 0;
    let best: RouteTarget | undefined;
    for (const target of targets) {
      scores[target.index]! += target.weight;
      total += target.weight;
      if (!best || scores[target.index]! > scores[best.index]!) best = target;
    }
    if (!best) return targets;
    scores[best.index]! -= total;
    const ordered = [best];
    for (const target of this.#byWeight) {
      if (target !== best && targets.includes(target)) ordered.push(target);
    }
    return ordered;
  }
}
