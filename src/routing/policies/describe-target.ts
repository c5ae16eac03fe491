import type { DialectName } from '../../domain/dialect-name.js';
import type { RouteTarget } from '../../domain/route-target.js';

/** A target as a policy script sees it: plain data, no provider entry (and so no credential near it). */
export interface TargetDescription {
  id: string;
  provider: string;
  model: string;
  weight: number;
  /** Position in the group's targets. */
  index: number;
  tools: boolean;
  images: boolean;
  reasoning: boolean;
  maxOutputTokens: number | null;
  contextWindow: number | null;
  apis: readonly DialectName[];
}

const descriptions = new WeakMap<RouteTarget, Readonly<TargetDescription>>();

/** Built once per target and frozen, so a script cannot change what the next call is shown. */
export function describeTarget(target: RouteTarget): Readonly<TargetDescription> {
  let description = descriptions.get(target);
  if (!description) {
    const { capabilities } = target;
    description = Object.freeze({
      id: target.id,
      provider: target.provider.name,
      model: target.upstreamModel,
      weight: target.weight,
      index: target.index,
      tools: capabilities.tools,
      images: capabilities.images,
      reasoning: capabilities.reasoning,
      maxOutputTokens: capabilities.maxOutputTokens ?? null,
      contextWindow: capabilities.contextWindow ?? null,
      apis: capabilities.apis,
    });
    descriptions.set(target, description);
  }
  return description;
}
