import type Database from 'better-sqlite3';
import { SqliteRollupTables } from '../rollups/sqlite/sqlite-rollup-tables.js';
import { StoreOfParts } from '../store-of-parts.js';
import { SqliteCaptures } from './sqlite-captures.js';
import { SqliteAnalytics } from './sqlite-analytics.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { SqliteKeys } from './sqlite-keys.js';
import { SqlitePrincipals } from './sqlite-principals.js';
import { SqliteProviderKeys } from './sqlite-provider-keys.js';
import { SqliteOutcomes } from './sqlite-outcomes.js';
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
 * sqlite-usage.ts, ... beside their PostgreSQL counterparts); this class only opens it
 * and closes it (`StoreOfParts` hands each call on).
 */
export class SqliteStore extends StoreOfParts {
  readonly #database: Database.Database;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    const database = openSqliteDatabase(path);
    const rollups = options.rollups === false ? undefined : new SqliteRollupTables(database);
    super({
      keys: new SqliteKeys(database),
      principals: new SqlitePrincipals(database),
      providerKeys: new SqliteProviderKeys(database),
      usage: new SqliteUsage(database, rollups, options.compactWithBatches !== false),
      analytics: new SqliteAnalytics(database, rollups),
      sessions: new SqliteSessions(database),
      outcomes: new SqliteOutcomes(database),
      captures: new SqliteCaptures(database),
    });
    this.#database = database;
  }

  async close(): Promise<void> {
    if (this.#database.open) this.#database.close();
  }
}
