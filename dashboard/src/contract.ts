/** The analytics API's answers, as /work's analytics contract defines them (snake_case, USD numbers, ISO times). */

export interface Measures {
  calls: number;
  errors: number;
  cancelled: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  /** What upstreams reported they billed, over the `billed_calls` calls that reported it; null when none did. */
  billed_cost_usd: number | null;
  billed_calls: number;
  saved_usd: number;
  cache_hits: number;
  attempts: number;
  retries: number;
  fallbacks: number;
  upstream_ms: number;
  fallback_rate: number;
  retry_rate: number;
  attempts_per_call: number;
}

export interface CostAnswer {
  from: string;
  to: string;
  group_by: string | null;
  totals: Measures;
  data: Array<Measures & { group: string | null; key_name?: string }>;
}

export interface TimeseriesAnswer {
  from: string;
  to: string;
  bucket: string;
  metric: string;
  buckets: string[];
  series: Array<{ group: string | null; values: number[] }>;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Gateway overhead: latency minus upstream time. */
export interface OverheadPercentiles {
  p50: number;
  p95: number;
}

export interface ActivityAnswer {
  totals: Measures & { error_rate: number; cache_hit_rate: number; gateway_overhead_ms: OverheadPercentiles | null; output_tokens_per_second: { p50: number } | null };
  errors_by_code: Array<{ code: string | null; status_code: number; count: number }>;
  latency: Array<{
    provider: string | null;
    model: string | null;
    target: string | null;
    calls: number;
    errors: number;
    latency_ms: Percentiles;
    ttfb_ms: Percentiles | null;
    upstream_ms_per_call: number;
    gateway_overhead_ms: OverheadPercentiles | null;
    output_tokens_per_second: { p50: number } | null;
    fallback_rate: number;
    retry_rate: number;
    attempts_per_call: number;
  }>;
}

/** What `/analytics/routing` says of a group and of each of its targets. */
export interface RoutingRates {
  calls: number;
  errors: number;
  success_rate: number;
  fallback_rate: number;
  retry_rate: number;
  attempts_per_call: number;
  cost_usd: number;
  cost_per_call: number;
}

export interface RoutingTarget extends RoutingRates {
  target: string;
  provider: string | null;
  model: string | null;
  share: number;
  ttfb_ms: Percentiles | null;
  latency_ms: Percentiles | null;
  gateway_overhead_ms: OverheadPercentiles | null;
  output_tokens_per_second: { p50: number } | null;
}

export interface RoutingGroup extends RoutingRates {
  group: string;
  configured: boolean;
  policy: string | null;
  description: string | null;
  budget: { period: string; period_start: string; hard_usd: number | null; soft_usd: number | null; spent_usd: number } | null;
  targets: RoutingTarget[];
}

export interface RoutingAnswer {
  from: string;
  to: string;
  groups: RoutingGroup[];
}

/** `/admin/health/targets`, the fields the Routing view reads (this instance's view of each target). */
export interface TargetHealthAnswer {
  targets: Array<{ target: string; cooldown: 'available' | 'cooling' | 'half-open' | null }>;
}

export interface Quota {
  period: string;
  period_start: string;
  soft_usd: number | null;
  hard_usd: number | null;
  spent_usd: number;
}

/** A team: `users` counts the distinct named users with calls in the window. */
export type TeamRow = Measures & { team: string | null; users: number; quota: Quota | null; by_user: Array<Measures & { user: string | null }> };
export type UserRow = Measures & { user: string | null; team: string | null; quota: Quota | null };
export type KeyRow = Measures & {
  key_id: string | null;
  key_name: string | null;
  user: string | null;
  team: string | null;
  revoked: boolean;
  last_call_at: string | null;
  dialects: string[];
  /** Each inbound API shape with its calls, most calls first. */
  calls_by_dialect: Array<{ dialect: string; calls: number }>;
  quota: Quota | null;
};

export interface IdentityAnswer<Row> {
  top: { name: string | null; share: number } | null;
  data: Row[];
}

export interface RequestRow {
  id: string;
  created_at: string;
  key_id: string | null;
  key_name: string | null;
  user: string | null;
  team: string | null;
  requester: string | null;
  tags: string[];
  dialect: string;
  requested_model: string | null;
  served_model: string | null;
  provider: string | null;
  group: string | null;
  stream: boolean;
  status_code: number;
  outcome: string;
  error_code: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** Images sent upstream, and image tokens when the provider reported them. */
  image_count: number;
  image_tokens: number;
  cost_usd: number | null;
  /** What the upstream itself reported it billed (OpenRouter's `usage.cost`); null when it said nothing. */
  billed_cost_usd: number | null;
  latency_ms: number;
  ttfb_ms: number | null;
  cached: boolean;
  saved_usd: number | null;
  attempts: number;
}

export interface RequestList {
  data: RequestRow[];
  next_cursor: string | null;
}

export interface RequestDetail extends RequestRow {
  reported_model: string | null;
  policy: string | null;
  fallback: boolean | string | null;
  queue_wait_ms: number | null;
  input_tokens_estimated: boolean;
  output_tokens_estimated: boolean;
  attempt_trail: Array<{
    target: string | null;
    provider: string | null;
    model: string | null;
    status_code: number | null;
    error_code: string | null;
    retry_after_ms: number | null;
    ttfb_ms: number | null;
    duration_ms: number | null;
  }>;
  price: {
    source: string | null;
    rates_per_mtok: { input: number; output: number; cache_read: number; cache_write: number } | null;
    explanation: string | null;
  };
}

/** The admin API (camelCase, as `/admin/*` has always answered). */
export interface LimitSettings {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  concurrentRequests?: number;
  queueMs?: number;
  budget?: { period: 'day' | 'week' | 'month'; hardUsd?: number; softUsd?: number };
}

export interface AdminKey {
  id: string;
  name: string;
  hint: string;
  userName: string | null;
  teamName: string | null;
  allowedModels: string[] | null;
  role: string;
  limits: LimitSettings;
  defaultModel: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface AdminPrincipal {
  name: string;
  limits: LimitSettings;
  allowedModels: string[] | null;
  defaultModel: string | null;
}

export interface ProviderKeySource {
  provider: string;
  kind: string;
  source: 'config' | 'env' | 'stored' | 'none' | 'notNeeded';
  envKeyName: string | null;
  stored: boolean;
  storedAt: number | null;
}

export interface SessionInfo {
  key_id: string;
  key_name: string;
  role: string;
}
