import type { EvalOutcome, OutcomeWrite, RunCall, RunSummary, RunSummaryQuery } from '../domain/eval-outcome.js';
import type { AttemptRecord } from '../domain/attempt-record.js';
import type { CaptureFilter } from '../domain/captured-exchange.js';
import type { DashboardSession } from '../domain/dashboard-session.js';
import type { KeyChanges, KeyRecord, NewKey } from '../domain/key-record.js';
import type { PrincipalKind, PrincipalRecord, PrincipalSettings } from '../domain/principal-record.js';
import type { StoredProviderKey } from '../domain/provider-key-record.js';
import type { UsageSummaryOptions, UsageSummaryRow, UsageTotals, UsageTotalsOptions } from '../domain/usage-summary.js';
import type { UsageRow } from '../domain/usage-row.js';
import type { AnalyticsStore } from './analytics-store.js';

/**
 * The store's ports: what Sluice persists, one narrow interface per kind of record. The records themselves
 * live in `src/domain/`, so code that only handles them need not import the store.
 */
export interface PrincipalStore {
  setPrincipal(kind: PrincipalKind, principal: PrincipalSettings): Promise<PrincipalRecord>;
  listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]>;
  principalsChangedSince(kind: PrincipalKind, since: number): Promise<PrincipalRecord[]>;
}

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

export interface ProviderKeyStore {
  setProviderKey(provider: string, sealedKey: string): Promise<void>;
  deleteProviderKey(provider: string): Promise<boolean>;
  listProviderKeys(): Promise<StoredProviderKey[]>;
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
/** Evaluation outcomes (`eval_outcomes`) and the runs they score (issue 22 §1). */
export interface OutcomeStore {
  /** Writes each outcome, replacing the one stored for its (run, trial); says which it did, in order. */
  recordOutcomes(outcomes: readonly EvalOutcome[]): Promise<OutcomeWrite[]>;
  /** A run's outcomes, by trial. */
  listOutcomes(run: string): Promise<EvalOutcome[]>;
  /** Runs with calls in the window, read by the (run_id, created_at) index; most recent first. */
  summarizeRuns(query: RunSummaryQuery): Promise<RunSummary[]>;
  /**
   * The calls of these runs (all their time), read by the (run_id, created_at) index, oldest first; at most
   * `limit` rows in all, so a caller that asks for one more than it accepts can tell it was cut.
   */
  runCalls(runs: readonly string[], limit: number): Promise<RunCall[]>;
  /**
   * The calls with these request ids (usage row ids), read by primary key, as the calls of `run`, each its own
   * trial named by its request id: a set of earlier calls compared as a run (a replay's originals, issue 22
   * §3). Ids with no row are left out; order is the rows' (created_at, id).
   */
  requestCalls(ids: readonly string[], run: string): Promise<RunCall[]>;
}

/**
 * A captured exchange as the store keeps it (issue 22 §2): the columns a purge, a listing and retention
 * filter on in the clear, the content only as `sealed` (the redacted `CapturedExchange` as JSON, sealed with
 * the master key by the capture writer, bound to its request id). The store never sees captured text.
 */
export interface SealedCapture {
  requestId: string;
  createdAt: number;
  keyId: string | null;
  teamName: string | null;
  requestedModel: string | null;
  runId: string | null;
  tags: string[];
  /** Bytes of the sealed content, for the dashboard and for a purge's report. */
  bytes: number;
  sealed: string;
  /**
   * Epoch ms from which retention deletes it (`createdAt` + the capture's `retainDays`); absent: kept until
   * purged.
   */
  expiresAt?: number;
}

/**
 * Captured exchanges (`captures`). Sealed content only; opening it is the capture module's job
 * (`capture/seal-capture.ts`). Implemented by `sqlite-captures.ts` and `postgres-captures.ts`.
 */
export interface CaptureStore {
  /** Writes captures; one already stored for a request id is left as it is. */
  recordCaptures(captures: readonly SealedCapture[]): Promise<void>;
  /** The capture of one request; undefined when none was kept. */
  findCapture(requestId: string): Promise<SealedCapture | undefined>;
  /**
   * Captures matching the filter, oldest first (by created_at, then request id), after the cursor (the last
   * request id of the page before), at most `limit`.
   */
  listCaptures(filter: CaptureFilter, options: { after?: { createdAt: number; requestId: string }; limit: number }): Promise<SealedCapture[]>;
  /** Deletes captures matching the filter, at most `limit` of them (oldest first); returns how many. */
  purgeCaptures(filter: CaptureFilter, limit: number): Promise<number>;
  /** Deletes captures whose `expiresAt` is at or before `now`, at most `limit` of them; returns how many (retention). */
  pruneExpiredCaptures(now: number, limit: number): Promise<number>;
}

export interface Store extends KeyStore, PrincipalStore, ProviderKeyStore, UsageStore, AnalyticsStore, SessionStore, OutcomeStore, CaptureStore {
  close(): Promise<void>;
}
