import pg from 'pg';
import type { Logger } from '../../domain/logger.js';
import type { AttemptRecord } from '../../domain/attempt-record.js';
import type { UsageRow } from '../../domain/usage-row.js';
import type { PruneTarget, RollupGroup, RollupQuery, UsageLogQuery } from '../analytics-store.js';
import { PostgresRollups } from '../rollups/postgres/postgres-rollup-tables.js';
import type { DashboardSession } from '../../domain/dashboard-session.js';
import type { KeyChanges, KeyRecord, NewKey } from '../../domain/key-record.js';
import type { PrincipalKind, PrincipalRecord, PrincipalSettings } from '../../domain/principal-record.js';
import type { Store } from '../store.js';
import type { StoredProviderKey } from '../../domain/provider-key-record.js';
import type { UsageSummaryOptions, UsageSummaryRow, UsageTotals, UsageTotalsOptions } from '../../domain/usage-summary.js';
import { PostgresAnalytics } from './postgres-analytics.js';
import { connectTimeoutMs, migrate, PostgresDatabase } from './postgres-database.js';
import { PostgresKeys } from './postgres-keys.js';
import { PostgresPrincipals } from './postgres-principals.js';
import { PostgresProviderKeys } from './postgres-provider-keys.js';
import { PostgresSessions } from './postgres-sessions.js';
import { PostgresUsage } from './postgres-usage.js';

export { compactorLockKey } from '../rollups/postgres/postgres-rollup-tables.js';

export interface PostgresStoreOptions {
  /** Told when a pooled connection dies; the next query opens a fresh one. */
  logger?: Logger;
  /**
   * Bounds every query, so a connection that went silent (a network partition, no reset ever arrives) fails
   * the call instead of hanging its caller. Unset for the CLI, whose reports may run long.
   */
  queryTimeoutMs?: number;
  /** Maintain the usage rollups as rows are written (default true); off only to measure what they cost. */
  rollups?: boolean;
  /**
   * Compact minutes into hours and days after the batch that passes an hour (default true). Off in the
   * gateway's usage writer, whose compaction runs apart (`compactRollups`, from the rollup compactor's thread).
   */
  compactWithBatches?: boolean;
}

/**
 * The distributed store: PostgreSQL shared by every instance, same contract as the SQLite store. Each
 * interface of `Store` is implemented by a part of its own on the one pool (postgres-keys.ts,
 * postgres-usage.ts, ... beside their SQLite counterparts); this class only opens the pool and hands calls on.
 */
export class PostgresStore implements Store {
  readonly #database: PostgresDatabase;
  readonly #keys: PostgresKeys;
  readonly #principals: PostgresPrincipals;
  readonly #providerKeys: PostgresProviderKeys;
  readonly #usage: PostgresUsage;
  readonly #analytics: PostgresAnalytics;
  readonly #sessions: PostgresSessions;

  private constructor(pool: pg.Pool, options: PostgresStoreOptions) {
    this.#database = new PostgresDatabase(pool);
    const rollups = options.rollups === false ? undefined : new PostgresRollups(this.#database);
    this.#keys = new PostgresKeys(this.#database);
    this.#principals = new PostgresPrincipals(this.#database);
    this.#providerKeys = new PostgresProviderKeys(this.#database);
    this.#usage = new PostgresUsage(this.#database, rollups, options.compactWithBatches !== false);
    this.#analytics = new PostgresAnalytics(this.#database, rollups);
    this.#sessions = new PostgresSessions(this.#database);
  }

  static async open(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    await migrate(connectionString);
    const pool = new pg.Pool({
      connectionString,
      max: 10,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
      ...(options.queryTimeoutMs === undefined ? {} : { query_timeout: options.queryTimeoutMs }),
    });
    // A connection that dies while idle in the pool (PostgreSQL restarted, a proxy or firewall cut it) is
    // reported as an 'error' event on the pool; with no listener Node would end the process. The pool has
    // already dropped that connection, and a query in flight on one that dies fails on its own.
    const connectionLost = (error: Error) => options.logger?.warn({ err: error }, 'a PostgreSQL connection was lost; the next query reconnects');
    pool.on('error', connectionLost);
    // The same event on a client checked out of the pool has no pool listener behind it: give every client
    // its own. It stays quiet: the query in flight fails and says so, and the pool logs idle losses above.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new PostgresStore(pool, options);
  }

  /** Pooled connections open and unused: a lost connection leaves this count at once. */
  get idleConnections(): number {
    return this.#database.pool.idleCount;
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
    await this.#database.pool.end();
  }
}
