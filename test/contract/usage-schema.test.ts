import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresMigrations } from '../../src/store/postgres/migrations.js';
import { postgresColumnDefinition } from '../../src/store/postgres/postgres-columns.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import { sqliteColumnDefinition } from '../../src/store/sqlite/sqlite-columns.js';
import { loadSqliteDriver } from '../../src/store/sqlite/load-sqlite-driver.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const Database = loadSqliteDriver();
import type { Store } from '../../src/store/store.js';
import { attemptColumns, usageColumns, type ColumnDescription } from '../../src/store/usage-columns.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';

/**
 * The usage tables on each backend against the column description the stores' inserts and mapping are
 * built from (the first `usage_rows` was written out by hand), and an upgrade from the schema before the
 * attempt trail.
 */
const directory = await mkdtemp(join(tmpdir(), 'sluice-usage-schema-'));
const databases: Array<{ drop(): Promise<void> }> = [];

afterAll(async () => {
  for (const database of databases) await database.drop();
  await rm(directory, { recursive: true, force: true });
});

interface Backend {
  name: string;
  /** A fresh database at schema version `version` (every migration when omitted). */
  create(version?: number): Promise<{ location: string; run(sql: string): Promise<void> }>;
  open(location: string): Promise<Store>;
  /** Each column of a table as `name TYPE[ NOT NULL]`, as the backend's column definitions write it. */
  columns(location: string, table: string): Promise<string[]>;
  definition(column: ColumnDescription<string>): string;
}

let sequence = 0;
const sqlite: Backend = {
  name: 'sqlite',
  async create(version = sqliteMigrations.length) {
    const path = join(directory, `schema-${sequence++}.db`);
    const database = new Database(path);
    for (const migration of sqliteMigrations.slice(0, version)) database.exec(migration);
    database.pragma(`user_version = ${version}`);
    database.close();
    return {
      location: path,
      async run(sql) {
        const connection = new Database(path);
        connection.exec(sql);
        connection.close();
      },
    };
  },
  async open(path) {
    return new SqliteStore(path);
  },
  async columns(path, table) {
    const database = new Database(path, { readonly: true });
    const rows = database.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string; type: string; notnull: number; pk: number }>;
    database.close();
    // SQLite lets a TEXT primary key hold NULL unless told otherwise; the stores never write one.
    return rows.map((row) => `${row.name} ${row.type}${row.notnull === 1 || row.pk > 0 ? ' NOT NULL' : ''}`);
  },
  definition: (column) => sqliteColumnDefinition(column, 'create'),
};

const backends: Backend[] = [sqlite];
const postgresProbe = await createTestDatabase();
if ('url' in postgresProbe) {
  databases.push(postgresProbe);
  const query = async (url: string, sql: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };
  backends.push({
    name: 'postgres',
    async create(version = postgresMigrations.length) {
      const database = await createTestDatabase();
      if (!('url' in database)) throw new Error(database.skipReason);
      databases.push(database);
      await query(database.url, 'CREATE TABLE sluice_schema_version (version INTEGER NOT NULL)');
      await query(database.url, 'INSERT INTO sluice_schema_version (version) VALUES ($1)', [version]);
      for (const migration of postgresMigrations.slice(0, version)) await query(database.url, migration);
      return { location: database.url, run: async (sql) => void (await query(database.url, sql)) };
    },
    open: (url) => PostgresStore.open(url),
    async columns(url, table) {
      const rows = await query(
        url,
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      return rows.map((row) => `${String(row.column_name)} ${String(row.data_type).toUpperCase()}${row.is_nullable === 'NO' ? ' NOT NULL' : ''}`);
    },
    definition: (column) => postgresColumnDefinition(column, 'create'),
  });
} else {
  console.warn(`[usage schema] skipping PostgreSQL: ${postgresProbe.skipReason}`);
}

describe.each(backends)('$name usage tables', (backend) => {
  it('match the column description, column for column', async () => {
    const { location } = await backend.create();
    const store = await backend.open(location);
    await store.close();
    expect(new Set(await backend.columns(location, 'usage_rows'))).toEqual(new Set(usageColumns.map(backend.definition)));
    const keyColumns = [`usage_id TEXT NOT NULL`, `attempt_index INTEGER NOT NULL`];
    expect(new Set(await backend.columns(location, 'usage_attempts'))).toEqual(new Set([...keyColumns, ...attemptColumns.map(backend.definition)]));
  });

  it('a database from before the cost columns upgrades: its rows sent no images and were billed nothing known', async () => {
    const beforeCosts = (backend.name === 'sqlite' ? sqliteMigrations : postgresMigrations).findIndex((sql) => sql.includes('billed_cost_usd'));
    expect(beforeCosts).toBeGreaterThan(0);
    const { location, run } = await backend.create(beforeCosts);
    await run(`INSERT INTO usage_rows (id, created_at, inbound_dialect, provider, upstream_model, stream, status_code, outcome, latency_ms, cost_usd)
               VALUES ('01PRECOST', 1700000000000, 'openai-chat', 'openai', 'gpt-4o-mini', ${backend.name === 'sqlite' ? 1 : 'TRUE'}, 200, 'ok', 12.5, 0.5)`);
    const store = await backend.open(location);
    try {
      const [old] = await store.recentUsage({ limit: 1 });
      expect(old).toMatchObject({ id: '01PRECOST', imageCount: 0, imageTokens: 0, billedCostUsd: null, costUsd: 0.5 });
    } finally {
      await store.close();
    }
  });

  it('a database from before the attempt trail upgrades, and its rows read as calls without routing', async () => {
    const beforeTrail = backend.name === 'sqlite' ? 4 : 1;
    const { location, run } = await backend.create(beforeTrail);
    await run(`INSERT INTO usage_rows (id, created_at, inbound_dialect, provider, upstream_model, stream, status_code, outcome, latency_ms)
               VALUES ('01OLD', 1700000000000, 'openai-chat', 'openai', 'gpt-4o-mini', ${backend.name === 'sqlite' ? 1 : 'TRUE'}, 200, 'ok', 12.5)`);
    const store = await backend.open(location);
    try {
      const [old] = await store.recentUsage({ limit: 1 });
      expect(old).toMatchObject({ id: '01OLD', groupName: null, policy: null, attempts: 0, fallback: false, queueWaitMs: null, attemptTrail: [] });
      expect(await store.usageAttempts('01OLD')).toEqual([]);
      expect(await store.summarizeUsage({ since: 0, by: 'target' })).toMatchObject([{ group: 'openai:gpt-4o-mini', requests: 1 }]);
    } finally {
      await store.close();
    }
  });
});
