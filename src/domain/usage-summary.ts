/**
 * `group`: the model group (none for plain models); `target`: `provider:model` of the serving attempt;
 * `requester`: the free-form end user a call was made for (`x-sluice-user`, else the body's user field).
 */
export type UsageGrouping = 'model' | 'key' | 'user' | 'team' | 'provider' | 'group' | 'target' | 'requester';

export interface UsageSummaryOptions {
  since: number;
  by: UsageGrouping;
  requester?: string;
}

export interface UsageSummaryRow {
  group: string | null;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Sum of known costs; null when no row in the group had a price. */
  costUsd: number | null;
}

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** The costs upstreams reported themselves (`billed_cost_usd`), over the rows that have one. */
  billedCostUsd: number;
  /** Each row's billed cost where it has one, else its `cost_usd`: what budgets settle on under `pricing.preferBilled`. */
  costPreferringBilledUsd: number;
}

export interface UsageTotalsOptions {
  scope: 'key' | 'user' | 'team' | 'group';
  subject: string;
  since: number;
  /** Only the subject's calls in this model group (a key's share of a group budget). */
  group?: string | undefined;
}
