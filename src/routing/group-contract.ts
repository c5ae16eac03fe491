import { dialectNames, type GroupConfig } from '../config/config-schema.js';
import type { RouteTarget } from '../domain/route-target.js';

/** What `/v1/models` tells callers about a model group, beside the list item's own fields. */
export interface GroupContract {
  readonly description: string | null;
  readonly workloads: readonly string[];
  /** As configured, else what the targets can take: text, and images when any target accepts them. */
  readonly modalities: readonly string[];
  /** The caller shapes allowed to use the group: as configured, else every shape. */
  readonly clients: readonly string[];
}

/** Built once per group with the router, so listing models allocates nothing per group. */
export function groupContractOf(config: GroupConfig, targets: readonly RouteTarget[]): GroupContract {
  const modalities = config.modalities ?? (targets.some((target) => target.capabilities.images) ? ['text', 'image'] : ['text']);
  return Object.freeze({
    description: config.description ?? null,
    workloads: Object.freeze([...(config.workloads ?? [])]),
    modalities: Object.freeze([...modalities]),
    clients: Object.freeze([...(config.clients ?? dialectNames)]),
  });
}
