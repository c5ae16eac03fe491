import pg from 'pg';
import type { Logger } from '../../domain/logger.js';
import { PostgresRollups } from '../rollups/postgres/postgres-rollup-tables.js';
import { StoreOfParts } from '../store-of-parts.js';
import { PostgresCaptures } from './postgres-captures.js';
import { PostgresAnalytics } from './postgres-analytics.js';
import { connectTimeoutMs, migrate, PostgresDatabase } from './postgres-database.js';
import { PostgresKeys } from './postgres-keys.js';
import { PostgresPrincipals } from './postgres-principals.js';
import { PostgresProviderKeys } from './postgres-provider-keys.js';
import { PostgresOutcomes } from './postgres-outcomes.js';
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
 * postgres-usage.ts, ... beside their SQLite counterparts); this class only opens the
 * pool and closes it (`StoreOfParts` hands each call on).
 */
export class PostgresStore extends StoreOfParts {
  readonly #database: PostgresDatabase;

  private constructor(pool: pg.Pool, options: PostgresStoreOptions) {
    const database = new PostgresDatabase(pool);
    const rollups = options.rollups === false ? undefined : new PostgresRollups(database);
    super({
      keys: new PostgresKeys(database),
      principals: new PostgresPrincipals(database),
      providerKeys: new PostgresProviderKeys(database),
      usage: new PostgresUsage(database, rollups, options.compactWithBatches !== false),
      analytics: new PostgresAnalytics(database, rollups),
      sessions: new PostgresSessions(database),
      outcomes: new PostgresOutcomes(database),
      captures: new PostgresCaptures(database),
    });
    this.#database = database;
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

  async close(): Promise<void> {
    await this.#database.pool.end();
  }
}
