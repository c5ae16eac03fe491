import type { KeyRole } from '../keys/key-role.js';
import type { TimeoutSettings } from '../upstream/upstream-timeouts.js';
import type { AnalyticsStore } from './analytics-store.js';
import type { AttemptRecord } from '../usage/attempt-record.js';
import type { UsageRow } from '../usage/usage-row.js';

export type BudgetPeriod = 'day' | 'week' | 'month';

/** The longest a request may wait for a concurrency slot (`queueMs`): ten minutes. */
export const maxQueueMs = 600_000;

/**
 * Limits a key, user or team may carry. A missing field inherits the configured default; 0 means no limit.
 * Budgets are in USD over a calendar period (UTC): past the soft cap requests are served with a warning,
 * past the hard cap refused.
 */
export interface LimitSettings {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  concurrentRequests?: number;
  /**
   * With `concurrentRequests`: how long a request may wait, first come first served, for a slot to free up
   * before it is refused (0 or absent: refused at once).
   */
  queueMs?: number;
  budget?: { period: BudgetPeriod; hardUsd?: number; softUsd?: number };
  /**
   * A ceiling on the upstream clocks of this subject's calls: each is the shorter of the target's and this
   * (and of the other subjects'). Field by field, a missing one inherits the default; 0 means no ceiling.
   */
  timeouts?: TimeoutSettings;
  /**
   * Keys only: the most the key may spend in a model group, in USD per the group budget's period (a month
   * when the group has none), keyed by group name: the key's share of the group (`--group-budget`).
   */
  groupBudgets?: Record<string, number>;
}

/** A user or team: the limits and allow-list shared by every key that belongs to it. */
export interface PrincipalRecord {
  name: string;
  limits: LimitSettings;
  /** Teams only: models every key of the team is limited to; null means any. */
  allowedModels: string[] | null;
  /** Teams only: the model or group a request without `model` goes to, for keys that have none of their own. */
  defaultModel: string | null;
  updatedAt: number;
}

/** What `setPrincipal` writes: the whole record but its timestamp (a missing default model is none). */
export type PrincipalSettings = Omit<PrincipalRecord, 'updatedAt' | 'defaultModel'> & { defaultModel?: string | null };

export type PrincipalKind = 'user' | 'team';

export interface PrincipalStore {
  setPrincipal(kind: PrincipalKind, principal: PrincipalSettings): Promise<PrincipalRecord>;
  listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]>;
  principalsChangedSince(kind: PrincipalKind, since: number): Promise<PrincipalRecord[]>;
}

/** A gateway key as stored: never the token, only its hash. */
export interface KeyRecord {
  id: string;
  name: string;
  /** SHA-256 hex of the token. */
  hash: string;
  /** A display hint such as `sk-sluice-…a1b2`. */
  hint: string;
  userName: string | null;
  teamName: string | null;
  /** Models, aliases or `provider:*` patterns the key may use; null means any. */
  allowedModels: string[] | null;
  /** Operator access beyond model calls (see keys/key-role.ts). */
  role: KeyRole;
  /** `role === 'admin'`, kept for clients of the admin API written before roles. */
  isAdmin: boolean;
  limits: LimitSettings;
  /** The model, alias or group a request without `model` goes to; null: the team's, else a 400 naming `model`. */
  defaultModel: string | null;
  createdAt: number;
  revokedAt: number | null;
  /** Epoch ms of the last change, so instances can pick up changes incrementally. */
  updatedAt: number;
}

export type NewKey = Pick<KeyRecord, 'name' | 'hash' | 'hint' | 'userName' | 'teamName' | 'allowedModels' | 'role' | 'limits'> & {
  defaultModel?: string | null;
};
export type KeyChanges = Partial<Pick<KeyRecord, 'userName' | 'teamName' | 'allowedModels' | 'role' | 'limits' | 'defaultModel'>>;

export interface KeyStore {
  createKey(key: NewKey): Promise<KeyRecord>;
  listKeys(): Promise<KeyRecord[]>;
  /** Keys created or changed at or after `since` (epoch ms). */
  keysChangedSince(since: number): Promise<KeyRecord[]>;
  /** Changes a key found by id or name; returns it, or undefined when none matched. */
  updateKey(idOrName: string, changes: KeyChanges): Promise<KeyRecord | undefined>;
  /** Revokes by id or by name; returns the revoked key, or undefined when none matched. */
  revokeKey(idOrName: string): Promise<KeyRecord | undefined>;
}

export interface StoredProviderKey {
  provider: string;
  /** AES-256-GCM sealed (see keys/secret-box.ts). */
  sealedKey: string;
  updatedAt: number;
}

export interface ProviderKeyStore {
  setProviderKey(provider: string, sealedKey: string): Promise<void>;
  deleteProviderKey(provider: string): Promise<boolean>;
  listProviderKeys(): Promise<StoredProviderKey[]>;
}

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

export interface UsageStore {
  /** Writes rows and their attempt trails together; rows (and attempts) already stored are left as they are. */
  recordUsage(rows: readonly UsageRow[]): Promise<void>;
  /** Totals for one key (by id), user, team or model group (by name) since a time; with `group`, only its calls in that group. */
  usageTotals(options: UsageTotalsOptions): Promise<UsageTotals>;
  /** Rows since a time, grouped; with `requester`, only that requester's calls. */
  summarizeUsage(options: UsageSummaryOptions): Promise<UsageSummaryRow[]>;
  /** Most recent rows first, each with its attempt trail. */
  recentUsage(options: { limit: number }): Promise<UsageRow[]>;
  /** The attempts of one call, in the order they were made; empty when it made none or is unknown. */
  usageAttempts(usageId: string): Promise<AttemptRecord[]>;
}

/**
 * A dashboard login: only the SHA-256 of the session token is stored (the token lives in the browser's
 * HttpOnly cookie), with the key it acts as and when it ends.
 */
export interface DashboardSession {
  /** SHA-256 hex of the session token. */
  tokenHash: string;
  keyId: string;
  createdAt: number;
  expiresAt: number;
}

/** Dashboard sessions in the shared store, so every instance behind a load balancer knows them. */
export interface SessionStore {
  createSession(session: DashboardSession): Promise<void>;
  /** The session with this token hash, expired or not; undefined when there is none. */
  findSession(tokenHash: string): Promise<DashboardSession | undefined>;
  /** Ends a session; true when there was one. */
  deleteSession(tokenHash: string): Promise<boolean>;
  /** Removes sessions that ended before `now`; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;
}

/** Everything Sluice persists. One implementation per database. */
export interface Store extends KeyStore, PrincipalStore, ProviderKeyStore, UsageStore, AnalyticsStore, SessionStore {
  close(): Promise<void>;
}
