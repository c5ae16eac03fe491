import pg from 'pg';
import { toStoreError } from '../store-error-kind.js';
import { postgresMigrations } from './migrations.js';

// BIGINT columns hold epoch milliseconds and token counts, all far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Row = Record<string, unknown>;

/** A refused or silent server fails a connection attempt after this long instead of the OS's minutes. */
export const connectTimeoutMs = 5_000;

/** The pool every part of the PostgreSQL store queries through. */
export class PostgresDatabase {
  constructor(readonly pool: pg.Pool) {}

  /** Every query goes through here, so an unreachable database is one error (503 `store_unavailable`) everywhere. */
  async query(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> {
    try {
      return await this.pool.query<Row>(text, values);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** Runs `work` in a transaction on one pooled connection; any failure rolls it back and is a store error. */
  async transaction<Result>(work: (client: pg.PoolClient) => Promise<Result>, begin = 'BEGIN'): Promise<Result> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      // A connection that failed mid-transaction is not given back to the pool for reuse.
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw toStoreError(error);
    }
  }
}

/**
 * Brings the schema up to date on a connection of its own, without the pool's query timeout: a migration
 * on a large table may run long, and instances starting together wait on the advisory lock.
 */
export async function migrate(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  // A connection cut mid-migration fails the query in progress; the event must not end the process too.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw toStoreError(error);
  }
  try {
    await client.query('BEGIN');
    // One instance migrates; the others wait here, then find nothing left to do.
    await client.query('SELECT pg_advisory_xact_lock(8422)');
    await client.query('CREATE TABLE IF NOT EXISTS sluice_schema_version (version INTEGER NOT NULL)');
    const current = await client.query<{ version: number }>('SELECT version FROM sluice_schema_version');
    let version = current.rows[0]?.version ?? 0;
    if (current.rows.length === 0) await client.query('INSERT INTO sluice_schema_version (version) VALUES (0)');
    for (; version < postgresMigrations.length; version++) await client.query(postgresMigrations[version] ?? '');
    await client.query('UPDATE sluice_schema_version SET version = $1', [version]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw toStoreError(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
