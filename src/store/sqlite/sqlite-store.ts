import type Database from 'better-sqlite3';
import type { AttemptRecord } from '../../domain/attempt-record.js';
import type { UsageRow } from '../../domain/usage-row.js';
import type { PruneTarget, RollupGroup, RollupQuery, UsageLogQuery } from '../analytics-store.js';
import { SqliteRollupTables } from '../rollups/sqlite/sqlite-rollup-tables.js';
import type { DashboardSession } from '../../domain/dashboard-session.js';
import type { KeyChanges, KeyRecord, NewKey } from '../../domain/key-record.js';
import type { PrincipalKind, PrincipalRecord, PrincipalSettings } from '../../domain/principal-record.js';
import type { Store } from '../store.js';
import type { StoredProviderKey } from '../../domain/provider-key-record.js';
import type { UsageSummaryOptions, UsageSummaryRow, UsageTotals, UsageTotalsOptions } from '../../domain/usage-summary.js';
import { SqliteAnalytics } from './sqlite-analytics.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { SqliteKeys } from './sqlite-keys.js';
import { SqlitePrincipals } from './sqlite-principals.js';
import { SqliteProviderKeys } from './sqlite-provider-keys.js';
import { SqliteSessions } from './sqlite-sessions.js';
import { SqliteUsage } from './sqlite-usage.js';

export interface SqliteStoreOptions {
  /**
   * Maintain the usage rollups as rows are written (default true). Off only in the benchmark, to measure
   * what the rollups cost the writer; analytics read nothing without them.
   */
  rollups?: boolean;
  /**
   * Compact minutes into hours and days in the batch that passes an hour (default true). Off in the gateway's
   * usage writer, whose compaction runs apart (`compactRollups`, from the rollup compactor's thread).
   */
  compactWithBatches?: boolean;
}

/**
 * The embedded store: one SQLite file in WAL mode. better-sqlite3 is synchronous, so nothing here runs on
 * the request path: keys are read into memory by the key view and usage rows are written in batches.
 * Each interface of `Store` is implemented by a part of its own on the one connection (sqlite-keys.ts,
 * sqlite-usage.ts, ... beside their PostgreSQL counterparts); this class only opens it and hands calls on.
 */
export class SqliteStore implements Store {
  readonly #database: Database.Database;
  readonly #keys: SqliteKeys;
  readonly #principals: SqlitePrincipals;
  readonly #providerKeys: SqliteProviderKeys;
  readonly #usage: SqliteUsage;
  readonly #analytics: SqliteAnalytics;
  readonly #sessions: SqliteSessions;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.#database = openSqliteDatabase(path);
    const rollups = options.rollups === false ? undefined : new SqliteRollupTables(this.#database);
    this.#keys = new SqliteKeys(this.#database);
    this.#principals = new SqlitePrincipals(this.#database);
    this.#providerKeys = new SqliteProviderKeys(this.#database);
    this.#usage = new SqliteUsage(this.#database, rollups, options.compactWithBatches !== false);
    this.#analytics = new SqliteAnalytics(this.#database, rollups);
    this.#sessions = new SqliteSessions(this.#database);
  }

  createKey(key: NewKey): Promise<KeyRecord> {
    return this.#keys.createKey(key);
  }

  listKeys(): Promise<KeyRecord[]> {
    return this.#keys.listKeys();
  }

  keysChangedSince(since: number): Promise<KeyRecord[]> {
    return this.#keys.keysChangedSince(since);
  }

  updateKey(idOrName: string, changes: KeyChanges): Promise<KeyRecord | undefined> {
    return this.#keys.updateKey(idOrName, changes);
  }

  revokeKey(idOrName: string): Promise<KeyRecord | undefined> {
    return this.#keys.revokeKey(idOrName);
  }

  setPrincipal(kind: PrincipalKind, principal: PrincipalSettings): Promise<PrincipalRecord> {
    return this.#principals.setPrincipal(kind, principal);
  }

  listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]> {
    return this.#principals.listPrincipals(kind);
  }

  principalsChangedSince(kind: PrincipalKind, since: number): Promise<PrincipalRecord[]> {
    return this.#principals.principalsChangedSince(kind, since);
  }

  setProviderKey(provider: string, sealedKey: string): Promise<void> {
    return this.#providerKeys.setProviderKey(provider, sealedKey);
  }

  deleteProviderKey(provider: string): Promise<boolean> {
    return this.#providerKeys.deleteProviderKey(provider);
  }

  listProviderKeys(): Promise<StoredProviderKey[]> {
    return this.#providerKeys.listProviderKeys();
  }

  recordUsage(rows: readonly UsageRow[]): Promise<void> {
    return this.#usage.recordUsage(rows);
  }

  usageTotals(options: UsageTotalsOptions): Promise<UsageTotals> {
    return this.#usage.usageTotals(options);
  }

  summarizeUsage(options: UsageSummaryOptions): Promise<UsageSummaryRow[]> {
    return this.#usage.summarizeUsage(options);
  }

  recentUsage(options: { limit: number }): Promise<UsageRow[]> {
    return this.#usage.recentUsage(options);
  }

  usageAttempts(usageId: string): Promise<AttemptRecord[]> {
    return this.#usage.usageAttempts(usageId);
  }

  aggregateRollups(query: RollupQuery): Promise<RollupGroup[]> {
    return this.#analytics.aggregateRollups(query);
  }

  rollupsCompactedUntil(): Promise<number> {
    return this.#analytics.rollupsCompactedUntil();
  }

  compactRollups(): Promise<number> {
    return this.#analytics.compactRollups();
  }

  listUsage(query: UsageLogQuery): Promise<UsageRow[]> {
    return this.#analytics.listUsage(query);
  }

  usageRow(id: string): Promise<UsageRow | undefined> {
    return this.#analytics.usageRow(id);
  }

  pruneUsage(options: { target: PruneTarget; before: number; limit: number }): Promise<number> {
    return this.#analytics.pruneUsage(options);
  }

  createSession(session: DashboardSession): Promise<void> {
    return this.#sessions.createSession(session);
  }

  findSession(tokenHash: string): Promise<DashboardSession | undefined> {
    return this.#sessions.findSession(tokenHash);
  }

  deleteSession(tokenHash: string): Promise<boolean> {
    return this.#sessions.deleteSession(tokenHash);
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return this.#sessions.deleteExpiredSessions(now);
  }

  async close(): Promise<void> {
    if (this.#database.open) this.#database.close();
  }
}
