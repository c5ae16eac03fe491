import type { AttemptRecord } from '../domain/attempt-record.js';
import type { CaptureFilter } from '../domain/captured-exchange.js';
import type { DashboardSession } from '../domain/dashboard-session.js';
import type { KeyChanges, KeyRecord, NewKey } from '../domain/key-record.js';
import type { PrincipalKind, PrincipalRecord, PrincipalSettings } from '../domain/principal-record.js';
import type { StoredProviderKey } from '../domain/provider-key-record.js';
import type { UsageRow } from '../domain/usage-row.js';
import type { UsageSummaryOptions, UsageSummaryRow, UsageTotals, UsageTotalsOptions } from '../domain/usage-summary.js';
import type { AnalyticsStore, PruneTarget, RollupGroup, RollupQuery, UsageLogQuery } from './analytics-store.js';
import type { EvalOutcome, OutcomeWrite, RunCall, RunSummary, RunSummaryQuery } from '../domain/eval-outcome.js';
import type { CaptureStore, KeyStore, OutcomeStore, PrincipalStore, ProviderKeyStore, SealedCapture, SessionStore, Store, UsageStore } from './store.js';

/** One implementation of each interface `Store` joins, all on one database connection. */
export interface StoreParts {
  keys: KeyStore;
  principals: PrincipalStore;
  providerKeys: ProviderKeyStore;
  usage: UsageStore;
  analytics: AnalyticsStore;
  sessions: SessionStore;
  outcomes: OutcomeStore;
  captures: CaptureStore;
}

/**
 * A `Store` made of its parts: each call is handed to the part that implements its interface. SQLite and
 * PostgreSQL each build their parts side by side (sqlite/sqlite-keys.ts beside postgres/postgres-keys.ts …)
 * and extend this class only to open and close their connection, so the hand-off is written once.
 */
export abstract class StoreOfParts implements Store {
  readonly #parts: StoreParts;

  protected constructor(parts: StoreParts) {
    this.#parts = parts;
  }

  abstract close(): Promise<void>;

  createKey(key: NewKey): Promise<KeyRecord> {
    return this.#parts.keys.createKey(key);
  }

  listKeys(): Promise<KeyRecord[]> {
    return this.#parts.keys.listKeys();
  }

  keysChangedSince(since: number): Promise<KeyRecord[]> {
    return this.#parts.keys.keysChangedSince(since);
  }

  updateKey(idOrName: string, changes: KeyChanges): Promise<KeyRecord | undefined> {
    return this.#parts.keys.updateKey(idOrName, changes);
  }

  revokeKey(idOrName: string): Promise<KeyRecord | undefined> {
    return this.#parts.keys.revokeKey(idOrName);
  }

  setPrincipal(kind: PrincipalKind, principal: PrincipalSettings): Promise<PrincipalRecord> {
    return this.#parts.principals.setPrincipal(kind, principal);
  }

  listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]> {
    return this.#parts.principals.listPrincipals(kind);
  }

  principalsChangedSince(kind: PrincipalKind, since: number): Promise<PrincipalRecord[]> {
    return this.#parts.principals.principalsChangedSince(kind, since);
  }

  setProviderKey(provider: string, sealedKey: string): Promise<void> {
    return this.#parts.providerKeys.setProviderKey(provider, sealedKey);
  }

  deleteProviderKey(provider: string): Promise<boolean> {
    return this.#parts.providerKeys.deleteProviderKey(provider);
  }

  listProviderKeys(): Promise<StoredProviderKey[]> {
    return this.#parts.providerKeys.listProviderKeys();
  }

  recordUsage(rows: readonly UsageRow[]): Promise<void> {
    return this.#parts.usage.recordUsage(rows);
  }

  usageTotals(options: UsageTotalsOptions): Promise<UsageTotals> {
    return this.#parts.usage.usageTotals(options);
  }

  summarizeUsage(options: UsageSummaryOptions): Promise<UsageSummaryRow[]> {
    return this.#parts.usage.summarizeUsage(options);
  }

  recentUsage(options: { limit: number }): Promise<UsageRow[]> {
    return this.#parts.usage.recentUsage(options);
  }

  usageAttempts(usageId: string): Promise<AttemptRecord[]> {
    return this.#parts.usage.usageAttempts(usageId);
  }

  aggregateRollups(query: RollupQuery): Promise<RollupGroup[]> {
    return this.#parts.analytics.aggregateRollups(query);
  }

  rollupsCompactedUntil(): Promise<number> {
    return this.#parts.analytics.rollupsCompactedUntil();
  }

  compactRollups(): Promise<number> {
    return this.#parts.analytics.compactRollups();
  }

  listUsage(query: UsageLogQuery): Promise<UsageRow[]> {
    return this.#parts.analytics.listUsage(query);
  }

  usageRow(id: string): Promise<UsageRow | undefined> {
    return this.#parts.analytics.usageRow(id);
  }

  pruneUsage(options: { target: PruneTarget; before: number; limit: number }): Promise<number> {
    return this.#parts.analytics.pruneUsage(options);
  }

  createSession(session: DashboardSession): Promise<void> {
    return this.#parts.sessions.createSession(session);
  }

  findSession(tokenHash: string): Promise<DashboardSession | undefined> {
    return this.#parts.sessions.findSession(tokenHash);
  }

  deleteSession(tokenHash: string): Promise<boolean> {
    return this.#parts.sessions.deleteSession(tokenHash);
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return this.#parts.sessions.deleteExpiredSessions(now);
  }

  recordOutcomes(outcomes: readonly EvalOutcome[]): Promise<OutcomeWrite[]> {
    return this.#parts.outcomes.recordOutcomes(outcomes);
  }

  listOutcomes(run: string): Promise<EvalOutcome[]> {
    return this.#parts.outcomes.listOutcomes(run);
  }

  summarizeRuns(query: RunSummaryQuery): Promise<RunSummary[]> {
    return this.#parts.outcomes.summarizeRuns(query);
  }

  runCalls(runs: readonly string[], limit: number): Promise<RunCall[]> {
    return this.#parts.outcomes.runCalls(runs, limit);
  }

  recordCaptures(captures: readonly SealedCapture[]): Promise<void> {
    return this.#parts.captures.recordCaptures(captures);
  }

  findCapture(requestId: string): Promise<SealedCapture | undefined> {
    return this.#parts.captures.findCapture(requestId);
  }

  listCaptures(filter: CaptureFilter, options: { after?: { createdAt: number; requestId: string }; limit: number }): Promise<SealedCapture[]> {
    return this.#parts.captures.listCaptures(filter, options);
  }

  purgeCaptures(filter: CaptureFilter, limit: number): Promise<number> {
    return this.#parts.captures.purgeCaptures(filter, limit);
  }

  pruneExpiredCaptures(now: number, limit: number): Promise<number> {
    return this.#parts.captures.pruneExpiredCaptures(now, limit);
  }

  requestCalls(ids: readonly string[], run: string): Promise<RunCall[]> {
    return this.#parts.outcomes.requestCalls(ids, run);
  }
}
