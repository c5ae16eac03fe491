import type { KeyRole } from '../../keys/key-role.js';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { newUlid } from '../../ids/new-ulid.js';
import type { AttemptRecord } from '../../usage/attempt-record.js';
import type { UsageRow } from '../../usage/usage-row.js';
import { rollupAggregateStatement, toRollupGroup, usageLogStatement, type AnalyticsSqlDialect } from '../rollups/analytics-sql.js';
import type { PruneTarget, RollupGroup, RollupQuery, UsageLogQuery } from '../analytics-store.js';
import { attemptTrailsByUsageId } from '../attempt-trails-by-usage-id.js';
import { aggregateRollups, compactedEdge, compactionRange, compactionStep, compactionTarget, randomSequence, type RollupEntry } from '../rollups/rollup-batch.js';
import {
  compactedTables,
  compactedTablesOf,
  dimensionColumnsOf,
  storedMeasureColumnsOf,
  narrowHourShapes,
  rollupBucketMs,
  rollupTables,
  writtenTableOf,
  type PackedTableName,
  type RollupTable,
} from '../rollups/rollup-columns.js';
import { mergeAssignments, rollupStateTable } from '../rollups/rollup-migration.js';
import { daysToPlan, newCompactionPlan, planDay, planHolds, planHour, staleStepsBeforeLocking, type CompactionPlan } from '../rollups/compaction-plan.js';
import { mergePack, NarrowRollup, PackAggregation, packRows, type FullMeasures, type PackRow } from '../rollups/bucket-sums.js';
import type {
  DashboardSession,
  KeyChanges,
  KeyRecord,
  LimitSettings,
  NewKey,
  PrincipalKind,
  PrincipalRecord,
  PrincipalSettings,
  Store,
  StoredProviderKey,
  UsageGrouping,
  UsageSummaryOptions,
  UsageSummaryRow,
  UsageTotals,
  UsageTotalsOptions,
} from '../store.js';
import { usageTotalsColumns } from '../usage-totals-columns.js';
import type { Logger } from '../../server/logger.js';
import { toStoreError } from '../store-error-kind.js';
import { attemptColumns, decodeRecord, encodeColumns, usageColumns } from '../usage-columns.js';
import { postgresMigrations, postgresRollupSyntax } from './migrations.js';
import { fromPostgresValue, postgresType, toPostgresValue } from './postgres-columns.js';

// BIGINT columns hold epoch milliseconds and token counts, all far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

type Row = Record<string, unknown>;

const groupColumns: Record<UsageGrouping, string> = {
  model: 'COALESCE(u.upstream_model, u.requested_model)',
  key: 'COALESCE(k.name, u.key_id)',
  user: 'u.user_name',
  team: 'u.team_name',
  provider: 'u.provider',
  group: 'u.group_name',
  // The target that served (or last tried) the call; NULL when no provider was chosen.
  target: "u.provider || ':' || u.upstream_model",
  requester: 'u.requester',
};

/**
 * A batch goes in as one array per column, expanded by `unnest`: the statement and its 44 parameters stay
 * the same whatever the batch size (a tuple per row passed 17,000 parameters for 500 rows, PostgreSQL stops
 * at 65,535, and parsing them was most of the cost: 500 rows now take ~14 ms instead of ~23, or ~23 with an
 * attempt each). Not a named prepared statement: PgBouncer in transaction mode loses those. Rows and their
 * attempts are one statement, so they commit together; attempts go in only for the rows this statement
 * stored, so a retried batch (after a lost answer) writes neither twice. The attempts' foreign key is
 * checked at the end of the statement, once the rows are in.
 */
const usageColumnNames = usageColumns.map((column) => column.name).join(', ');
const usageArrays = usageColumns.map((column, index) => `$${index + 1}::${postgresType(column.kind)}[]`).join(', ');
const insertUsage = `INSERT INTO usage_rows (${usageColumnNames}) SELECT * FROM unnest(${usageArrays}) ON CONFLICT (id) DO NOTHING`;
const attemptColumnNames = ['usage_id', 'attempt_index', ...attemptColumns.map((column) => column.name)].join(', ');
const attemptArrays = ['text', 'integer', ...attemptColumns.map((column) => postgresType(column.kind))]
  .map((type, index) => `$${usageColumns.length + index + 1}::${type}[]`)
  .join(', ');
const insertUsageAndAttempts = `WITH stored_rows AS (${insertUsage} RETURNING id),
  stored_attempts AS (INSERT INTO usage_attempts (${attemptColumnNames})
    SELECT * FROM unnest(${attemptArrays}) AS attempt (${attemptColumnNames})
    WHERE attempt.usage_id IN (SELECT id FROM stored_rows)
    ON CONFLICT (usage_id, attempt_index) DO NOTHING)
  SELECT id FROM stored_rows`;

/** A narrow table row's `dims` key: hashed, as a B-tree key holds ~2.7 kB at most. */
function hashedDimsKey(dimsKey: string): string {
  return createHash('md5').update(dimsKey).digest('hex');
}

/** One array per column for a narrow shape's entries (keyed by their dimensions inline). */
function keyedArrays(table: RollupTable, entries: readonly RollupEntry[]): unknown[][] {
  const arrays: unknown[][] = [entries.map((entry) => entry.bucketStart), entries.map((entry) => hashedDimsKey(entry.dimsKey))];
  for (const column of dimensionColumnsOf(table.shape)) arrays.push(entries.map((entry) => toPostgresValue(column.kind, entry.dimensions[column.field])));
  for (let index = 0; index < storedMeasureColumnsOf(table.shape).length; index++) arrays.push(entries.map((entry) => entry.measures[index]));
  return arrays;
}

/** Adds sums to a narrow hour or day table (compaction, and rows that arrive after their hour was compacted). */
function rollupUpsert(table: RollupTable, entries: readonly RollupEntry[]): { text: string; values: unknown[] } {
  const columns = [
    ['bucket_start', 'BIGINT'],
    ['dims', 'TEXT'],
    ...dimensionColumnsOf(table.shape).map((column) => [column.name, postgresType(column.kind)]),
    ...storedMeasureColumnsOf(table.shape).map((column) => [column.name, postgresType(column.kind)]),
  ];
  return {
    text: `INSERT INTO ${table.name} (${columns.map(([name]) => name).join(', ')})
    SELECT * FROM unnest(${columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')})
    ON CONFLICT (bucket_start, dims) DO UPDATE SET ${mergeAssignments(postgresRollupSyntax, table, 'EXCLUDED')}`,
    values: keyedArrays(table, entries),
  };
}

/** Appends packs to a full-shape table. */
function packsAppend(table: PackedTableName, packs: readonly PackRow[]): { text: string; values: unknown[] } {
  return {
    text: `INSERT INTO ${rollupTables[table].packs} (bucket_start, seq, sums) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])`,
    values: [packs.map((pack) => pack.bucketStart), packs.map(() => randomSequence()), packs.map((pack) => pack.sums)],
  };
}

/**
 * Buckets of packs read at a time (keyset pages): a day's packs on a busy gateway are megabytes, a
 * minute's a few kilobytes, and a window may span thousands of minutes.
 */
const packPageRows: Record<PackedTableName, number> = { minute: 240, hour: 48, day: 4 };


const postgresAnalyticsDialect: AnalyticsSqlDialect = {
  parameter: (index) => `$${index}`,
  listContains: (column, parameter) => `${column}::jsonb ? ${parameter}`,
  isTrue: (column) => column,
};

/** Which rows a retention pass deletes from, oldest first, by their time column (hours and days: both shapes). */
const pruneStatements: Record<PruneTarget, string[]> = {
  rows: ['DELETE FROM usage_rows WHERE id IN (SELECT id FROM usage_rows WHERE created_at < $1 ORDER BY created_at LIMIT $2)'],
  // Minutes not yet compacted into hours stay, however old.
  minute: [
    `DELETE FROM ${rollupTables.minute.packs} WHERE ctid IN (SELECT ctid FROM ${rollupTables.minute.packs}
    WHERE bucket_start < LEAST($1, (SELECT compacted_until FROM ${rollupStateTable})) ORDER BY bucket_start LIMIT $2)`,
  ],
  hour: compactedTablesOf('hour').map(prunedKeyed),
  day: compactedTablesOf('day').map(prunedKeyed),
};

function prunedKeyed(table: RollupTable): string {
  const written = writtenTableOf(table);
  const key = table.packs ? 'seq' : 'dims';
  return `DELETE FROM ${written} WHERE (bucket_start, ${key}) IN (SELECT bucket_start, ${key} FROM ${written} WHERE bucket_start < $1 ORDER BY bucket_start LIMIT $2)`;
}

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

/** A refused or silent server fails a connection attempt after this long instead of the OS's minutes. */
const connectTimeoutMs = 5_000;

/** The distributed store: PostgreSQL shared by every instance, same contract as the SQLite store. */
export class PostgresStore implements Store {
  readonly #pool: pg.Pool;

  readonly #rollups: boolean;
  readonly #compactWithBatches: boolean;
  readonly #narrowRollup = new NarrowRollup(narrowHourShapes);

  private constructor(pool: pg.Pool, options: PostgresStoreOptions) {
    this.#pool = pool;
    this.#rollups = options.rollups !== false;
    this.#compactWithBatches = options.compactWithBatches !== false;
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
    return this.#pool.idleCount;
  }

  /** Every query goes through here, so an unreachable database is one error (503 `store_unavailable`) everywhere. */
  async #query(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> {
    try {
      return await this.#pool.query<Row>(text, values);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async createKey(key: NewKey): Promise<KeyRecord> {
    const now = Date.now();
    const record: KeyRecord = { ...key, isAdmin: key.role === 'admin', defaultModel: key.defaultModel ?? null, id: `key_${newUlid()}`, createdAt: now, revokedAt: null, updatedAt: now };
    await this.#query(
      `INSERT INTO gateway_keys (id, name, hash, hint, user_name, team_name, allowed_models, is_admin, role, limits, default_model, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        record.id,
        record.name,
        record.hash,
        record.hint,
        record.userName,
        record.teamName,
        record.allowedModels ? JSON.stringify(record.allowedModels) : null,
        record.isAdmin,
        record.role,
        JSON.stringify(record.limits),
        record.defaultModel,
        record.createdAt,
        record.updatedAt,
      ],
    );
    return record;
  }

  async listKeys(): Promise<KeyRecord[]> {
    return (await this.#query('SELECT * FROM gateway_keys ORDER BY created_at')).rows.map(toKeyRecord);
  }

  async keysChangedSince(since: number): Promise<KeyRecord[]> {
    return (await this.#query('SELECT * FROM gateway_keys WHERE updated_at >= $1 ORDER BY updated_at', [since])).rows.map(toKeyRecord);
  }

  async updateKey(idOrName: string, changes: KeyChanges): Promise<KeyRecord | undefined> {
    const assignments: Array<[string, unknown]> = [];
    if (changes.userName !== undefined) assignments.push(['user_name', changes.userName]);
    if (changes.teamName !== undefined) assignments.push(['team_name', changes.teamName]);
    if (changes.allowedModels !== undefined) assignments.push(['allowed_models', changes.allowedModels ? JSON.stringify(changes.allowedModels) : null]);
    if (changes.role !== undefined) assignments.push(['role', changes.role], ['is_admin', changes.role === 'admin']);
    if (changes.limits !== undefined) assignments.push(['limits', JSON.stringify(changes.limits)]);
    if (changes.defaultModel !== undefined) assignments.push(['default_model', changes.defaultModel]);
    assignments.push(['updated_at', Date.now()]);
    const sets = assignments.map(([column], index) => `${column} = $${index + 1}`).join(', ');
    const values = [...assignments.map(([, value]) => value), idOrName];
    const result = await this.#query(`UPDATE gateway_keys SET ${sets} WHERE id = $${values.length} OR name = $${values.length} RETURNING *`, values);
    return result.rows[0] ? toKeyRecord(result.rows[0]) : undefined;
  }

  async revokeKey(idOrName: string): Promise<KeyRecord | undefined> {
    const now = Date.now();
    const result = await this.#query(
      'UPDATE gateway_keys SET revoked_at = COALESCE(revoked_at, $1), updated_at = $1 WHERE id = $2 OR name = $2 RETURNING *',
      [now, idOrName],
    );
    return result.rows[0] ? toKeyRecord(result.rows[0]) : undefined;
  }

  async setPrincipal(kind: PrincipalKind, principal: PrincipalSettings): Promise<PrincipalRecord> {
    const updatedAt = Date.now();
    const defaultModel = principal.defaultModel ?? null;
    await this.#query(
      `INSERT INTO principals (kind, name, limits, allowed_models, default_model, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (kind, name) DO UPDATE SET limits = EXCLUDED.limits, allowed_models = EXCLUDED.allowed_models,
       default_model = EXCLUDED.default_model, updated_at = EXCLUDED.updated_at`,
      [kind, principal.name, JSON.stringify(principal.limits), principal.allowedModels ? JSON.stringify(principal.allowedModels) : null, defaultModel, updatedAt],
    );
    return { ...principal, defaultModel, updatedAt };
  }

  async listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]> {
    return this.principalsChangedSince(kind, 0);
  }

  async principalsChangedSince(kind: PrincipalKind, since: number): Promise<PrincipalRecord[]> {
    const result = await this.#query('SELECT * FROM principals WHERE kind = $1 AND updated_at >= $2 ORDER BY name', [kind, since]);
    return result.rows.map((row: Row) => ({
      name: String(row.name),
      limits: JSON.parse(String(row.limits)) as LimitSettings,
      allowedModels: row.allowed_models ? (JSON.parse(String(row.allowed_models)) as string[]) : null,
      defaultModel: (row.default_model as string | null) ?? null,
      updatedAt: Number(row.updated_at),
    }));
  }

  async setProviderKey(provider: string, sealedKey: string): Promise<void> {
    await this.#query(
      `INSERT INTO provider_keys (provider, sealed_key, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (provider) DO UPDATE SET sealed_key = EXCLUDED.sealed_key, updated_at = EXCLUDED.updated_at`,
      [provider, sealedKey, Date.now()],
    );
  }

  async deleteProviderKey(provider: string): Promise<boolean> {
    return ((await this.#query('DELETE FROM provider_keys WHERE provider = $1', [provider])).rowCount ?? 0) > 0;
  }

  async listProviderKeys(): Promise<StoredProviderKey[]> {
    const result = await this.#query('SELECT * FROM provider_keys ORDER BY provider');
    return result.rows.map((row: Row) => ({ provider: String(row.provider), sealedKey: String(row.sealed_key), updatedAt: Number(row.updated_at) }));
  }

  async recordUsage(rows: readonly UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    const usageIds: string[] = [];
    const attemptIndexes: number[] = [];
    const attempts: AttemptRecord[] = [];
    for (const row of rows) {
      const trail = row.attemptTrail;
      for (let index = 0; index < trail.length; index++) {
        usageIds.push(row.id);
        attemptIndexes.push(index);
        attempts.push(trail[index]!);
      }
    }
    const usageValues = encodeColumns(usageColumns, rows, toPostgresValue);
    const insert =
      attempts.length === 0
        ? { text: `${insertUsage} RETURNING id`, values: usageValues }
        : { text: insertUsageAndAttempts, values: [...usageValues, usageIds, attemptIndexes, ...encodeColumns(attemptColumns, attempts, toPostgresValue)] };
    if (!this.#rollups) {
      await this.#query(insert.text, insert.values);
      return;
    }
    // The rows, then the minute rollups of only those rows this batch stored (a retried batch adds
    // nothing), in one transaction: the rollups always sum exactly the rows stored. Rows older than the
    // compaction mark (late) also go to the hours and days, which hold their hour already; the mark is read
    // FOR SHARE so it cannot move while this batch decides which rows are late.
    let mark = 0;
    let latest = 0;
    await this.#transaction(async (client) => {
      const stored = await client.query<Row>(insert.text, insert.values);
      const storedIds = new Set(stored.rows.map((row) => String(row.id)));
      const fresh = storedIds.size === rows.length ? rows : rows.filter((row) => storedIds.has(row.id));
      if (fresh.length === 0) return;
      for (const row of fresh) if (row.createdAt > latest) latest = row.createdAt;
      const append = packsAppend('minute', packRows(fresh, 'minute'));
      await client.query(append.text, append.values);
      mark = Number((await client.query<Row>(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1 FOR SHARE`)).rows[0]!.compacted_until);
      for (const name of compactedTables) {
        const edge = compactedEdge(name, mark);
        const late = fresh.filter((row) => row.createdAt < edge);
        if (late.length === 0) continue;
        const table: RollupTable = rollupTables[name];
        const write = name === 'hour' || name === 'day' ? packsAppend(name, packRows(late, name)) : rollupUpsert(table, aggregateRollups(late, table.granularity, table.shape));
        await client.query(write.text, write.values);
      }
    });
    const target = compactionTarget(latest);
    if (this.#compactWithBatches && target > mark) await this.#compact(target);
  }

  /**
   * Compacts every hour that is due, a step at a time (`compactionStep`). Each step is worked out in a
   * read-only snapshot, without the mark's row, which every instance's batches hold `FOR SHARE`, and written
   * holding it `FOR UPDATE` if nothing it read has changed (`planHolds`), else worked out again (after a few
   * tries, under the lock). One instance's compactor works at a time (a session advisory lock, let go at
   * the end of the pass or with its connection): the others would work out the same steps only to find them
   * written. Resolves with the mark.
   */
  async compactRollups(): Promise<number> {
    if (!this.#rollups) return 0;
    let holder: pg.PoolClient;
    try {
      holder = await this.#pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    let healthy = true;
    try {
      const { rows } = await holder.query<Row>('SELECT pg_try_advisory_lock($1) AS locked', [compactorLockKey]);
      if (rows[0]!.locked !== true) return await this.rollupsCompactedUntil();
      try {
        return await this.#compactSteps();
      } finally {
        await holder.query('SELECT pg_advisory_unlock($1)', [compactorLockKey]);
      }
    } catch (error) {
      healthy = false;
      throw toStoreError(error);
    } finally {
      // After a failure the connection is discarded, not given back: its session lock goes with it, whether
      // or not the unlock above ran.
      holder.release(!healthy);
    }
  }

  async #compactSteps(): Promise<number> {
    const minutes = rollupTables.minute.packs;
    for (let stale = 0; ; ) {
      const mark = await this.rollupsCompactedUntil();
      const { rows } = await this.#query(
        `SELECT (SELECT min(bucket_start) FROM ${minutes} WHERE bucket_start >= $1) AS first, (SELECT max(bucket_start) FROM ${minutes}) AS latest`,
        [mark],
      );
      const bucket = (value: unknown) => (value === null ? undefined : Number(value));
      const target = compactionStep(mark, bucket(rows[0]!.first), bucket(rows[0]!.latest));
      if (target === undefined) return mark;
      if (stale >= staleStepsBeforeLocking) {
        await this.#compact(target);
        stale = 0;
        continue;
      }
      const plan = await this.#transaction((client) => this.#planCompaction(client, mark, target), 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const written = await this.#transaction(async (client) => {
        const now = await lockedMark(client);
        const hours = compactionRange('hour', plan.mark, plan.target);
        if (!planHolds(plan, now, { minute: await packCount(client, 'minute', hours), hour: await packCount(client, 'hour', plan.days) })) return false;
        await this.#writeCompaction(client, plan);
        return true;
      });
      if (!written) stale++;
    }
  }

  /** Moves the mark up to `target` under the lock (a batch that passes an hour; a step whose plans went stale). */
  async #compact(target: number): Promise<void> {
    await this.#transaction(async (client) => {
      const mark = await lockedMark(client);
      if (target > mark) await this.#writeCompaction(client, await this.#planCompaction(client, mark, target));
    });
  }

  /** Works out a step (see compaction-plan.ts): reads only. */
  async #planCompaction(client: pg.PoolClient, mark: number, target: number): Promise<CompactionPlan> {
    const hours = compactionRange('hour', mark, target);
    const days = compactionRange('day', mark, target);
    const plan = newCompactionPlan(mark, target, days, { minute: await packCount(client, 'minute', hours), hour: await packCount(client, 'hour', days) });
    for (const hour of await bucketsWithPacks(client, 'minute', 'hour', hours)) {
      planHour(plan, hour, await mergedPacks(client, 'minute', hour, hour + rollupBucketMs.hour), this.#narrowRollup);
    }
    if (days.from >= days.to) return plan;
    for (const day of daysToPlan(plan, await bucketsWithPacks(client, 'hour', 'day', days))) {
      planDay(plan, day, await mergedPacks(client, 'hour', day, day + rollupBucketMs.day), this.#narrowRollup);
    }
    return plan;
  }

  /** Writes a step (its packs and narrow rows) and moves the mark. */
  async #writeCompaction(client: pg.PoolClient, plan: CompactionPlan): Promise<void> {
    if (plan.hourPacks.length > 0) {
      const append = packsAppend('hour', plan.hourPacks);
      await client.query(append.text, append.values);
    }
    for (const { name, entries } of plan.narrow) {
      if (entries.length === 0) continue;
      const upsert = rollupUpsert(rollupTables[name], entries);
      await client.query(upsert.text, upsert.values);
    }
    if (plan.dayPacks.length > 0) {
      const append = packsAppend('day', plan.dayPacks);
      await client.query(append.text, append.values);
    }
    await client.query(`UPDATE ${rollupStateTable} SET compacted_until = $1 WHERE id = 1`, [plan.target]);
  }

  /** Runs `work` in a transaction on one pooled connection; any failure rolls it back and is a store error. */
  async #transaction<Result>(work: (client: pg.PoolClient) => Promise<Result>, begin = 'BEGIN'): Promise<Result> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
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

  async aggregateRollups(query: RollupQuery): Promise<RollupGroup[]> {
    const table: RollupTable = rollupTables[query.table];
    if (table.packs) {
      const aggregation = new PackAggregation(query);
      await eachPackPage((page) => this.#query(page.text, page.values), query.table as PackedTableName, query.from, query.to, (page) => {
        for (const pack of page) aggregation.add(pack);
      });
      return aggregation.result();
    }
    const statement = rollupAggregateStatement(query, postgresAnalyticsDialect);
    const result = await this.#query(statement.text, statement.values);
    return result.rows.flatMap((row) => toRollupGroup(row, query) ?? []);
  }

  async rollupsCompactedUntil(): Promise<number> {
    return Number((await this.#query(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1`)).rows[0]!.compacted_until);
  }

  async listUsage(query: UsageLogQuery): Promise<UsageRow[]> {
    const statement = usageLogStatement(query, postgresAnalyticsDialect);
    const result = await this.#query(statement.text, statement.values);
    return result.rows.map((row) => ({ ...(decodeRecord(usageColumns, row, fromPostgresValue) as unknown as UsageRow), attemptTrail: [] }));
  }

  async usageRow(id: string): Promise<UsageRow | undefined> {
    const result = await this.#query('SELECT * FROM usage_rows WHERE id = $1', [id]);
    const row = result.rows[0];
    if (!row) return undefined;
    const usage = decodeRecord(usageColumns, row, fromPostgresValue) as unknown as UsageRow;
    usage.attemptTrail = await this.usageAttempts(id);
    return usage;
  }

  async pruneUsage(options: { target: PruneTarget; before: number; limit: number }): Promise<number> {
    let deleted = 0;
    await this.#transaction(async (client) => {
      for (const statement of pruneStatements[options.target]) deleted += (await client.query(statement, [options.before, options.limit])).rowCount ?? 0;
    });
    return deleted;
  }

  async usageTotals(options: UsageTotalsOptions): Promise<UsageTotals> {
    const column = usageTotalsColumns[options.scope];
    const result = await this.#query(
      `SELECT COUNT(*) AS requests, COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
              COALESCE(SUM(cost_usd), 0) AS cost_usd, COALESCE(SUM(billed_cost_usd), 0) AS billed_cost_usd,
              COALESCE(SUM(COALESCE(billed_cost_usd, cost_usd)), 0) AS cost_preferring_billed_usd
       FROM usage_rows WHERE ${column} = $1 AND created_at >= $2${options.group === undefined ? '' : ' AND group_name = $3'}`,
      options.group === undefined ? [options.subject, options.since] : [options.subject, options.since, options.group],
    );
    const row = result.rows[0] as Row;
    return {
      requests: Number(row.requests),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      costUsd: Number(row.cost_usd),
      billedCostUsd: Number(row.billed_cost_usd),
      costPreferringBilledUsd: Number(row.cost_preferring_billed_usd),
    };
  }

  async summarizeUsage(options: UsageSummaryOptions): Promise<UsageSummaryRow[]> {
    const group = groupColumns[options.by];
    const result = await this.#query(
      `SELECT ${group} AS grouping, COUNT(*) AS requests, SUM(CASE WHEN u.outcome = 'error' THEN 1 ELSE 0 END) AS errors,
              SUM(u.input_tokens) AS input_tokens, SUM(u.output_tokens) AS output_tokens,
              SUM(u.cache_read_tokens) AS cache_read_tokens, SUM(u.cache_write_tokens) AS cache_write_tokens, SUM(u.cost_usd) AS cost_usd
       FROM usage_rows u LEFT JOIN gateway_keys k ON k.id = u.key_id
       WHERE u.created_at >= $1${options.requester === undefined ? '' : ' AND u.requester = $2'}
       GROUP BY 1 ORDER BY COALESCE(SUM(u.cost_usd), 0) DESC, COUNT(*) DESC`,
      options.requester === undefined ? [options.since] : [options.since, options.requester],
    );
    return result.rows.map((row: Row) => ({
      group: row.grouping === null ? null : String(row.grouping),
      requests: Number(row.requests),
      errors: Number(row.errors),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cacheReadTokens: Number(row.cache_read_tokens),
      cacheWriteTokens: Number(row.cache_write_tokens),
      costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    }));
  }

  async recentUsage(options: { limit: number }): Promise<UsageRow[]> {
    const result = await this.#query('SELECT * FROM usage_rows ORDER BY id DESC LIMIT $1', [options.limit]);
    if (result.rows.length === 0) return [];
    // A row's attempts are committed with it, so every row read above has its trail here.
    const attempts = await this.#query('SELECT * FROM usage_attempts WHERE usage_id = ANY($1::text[]) ORDER BY usage_id, attempt_index', [
      result.rows.map((row) => row.id),
    ]);
    const trails = attemptTrailsByUsageId(attempts.rows, fromPostgresValue);
    return result.rows.map((row) => {
      const usage = decodeRecord(usageColumns, row, fromPostgresValue) as unknown as UsageRow;
      usage.attemptTrail = trails.get(usage.id) ?? [];
      return usage;
    });
  }

  async usageAttempts(usageId: string): Promise<AttemptRecord[]> {
    const result = await this.#query('SELECT * FROM usage_attempts WHERE usage_id = $1 ORDER BY attempt_index', [usageId]);
    return result.rows.map((row) => decodeRecord(attemptColumns, row, fromPostgresValue) as unknown as AttemptRecord);
  }

  async createSession(session: DashboardSession): Promise<void> {
    await this.#query('INSERT INTO dashboard_sessions (token_hash, key_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
      session.tokenHash,
      session.keyId,
      session.createdAt,
      session.expiresAt,
    ]);
  }

  async findSession(tokenHash: string): Promise<DashboardSession | undefined> {
    const row = (await this.#query('SELECT * FROM dashboard_sessions WHERE token_hash = $1', [tokenHash])).rows[0];
    return row
      ? { tokenHash: String(row.token_hash), keyId: String(row.key_id), createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) }
      : undefined;
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return ((await this.#query('DELETE FROM dashboard_sessions WHERE token_hash = $1', [tokenHash])).rowCount ?? 0) > 0;
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return (await this.#query('DELETE FROM dashboard_sessions WHERE expires_at < $1', [now])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}


function toKeyRecord(row: Row): KeyRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    hash: String(row.hash),
    hint: String(row.hint),
    userName: (row.user_name as string | null) ?? null,
    teamName: (row.team_name as string | null) ?? null,
    allowedModels: row.allowed_models ? (JSON.parse(String(row.allowed_models)) as string[]) : null,
    role: row.role as KeyRole,
    isAdmin: row.role === 'admin',
    limits: JSON.parse(String(row.limits)) as LimitSettings,
    defaultModel: (row.default_model as string | null) ?? null,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * Brings the schema up to date on a connection of its own, without the pool's query timeout: a migration
 * on a large table may run long, and instances starting together wait on the advisory lock.
 */
async function migrate(connectionString: string): Promise<void> {
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

/** The advisory lock one instance's rollup compactor holds while it compacts (8422 is the migrations'). */
export const compactorLockKey = 8423;

/** The compaction mark, its row locked until the transaction ends (batches hold it `FOR SHARE`). */
async function lockedMark(client: pg.PoolClient): Promise<number> {
  return Number((await client.query<Row>(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1 FOR UPDATE`)).rows[0]!.compacted_until);
}

/** How many packs a table has in a range (none in an empty one). */
async function packCount(client: pg.PoolClient, table: PackedTableName, range: { from: number; to: number }): Promise<number> {
  if (range.from >= range.to) return 0;
  const result = await client.query<Row>(`SELECT count(*) AS packs FROM ${rollupTables[table].packs} WHERE bucket_start >= $1 AND bucket_start < $2`, [range.from, range.to]);
  return Number(result.rows[0]!.packs);
}

async function bucketsWithPacks(client: pg.PoolClient, source: PackedTableName, granularity: 'hour' | 'day', range: { from: number; to: number }): Promise<number[]> {
  if (range.from >= range.to) return [];
  const size = rollupBucketMs[granularity];
  const result = await client.query<Row>(
    `SELECT DISTINCT bucket_start - (bucket_start % $1) AS bucket FROM ${rollupTables[source].packs} WHERE bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket`,
    [size, range.from, range.to],
  );
  return result.rows.map((row) => Number(row.bucket));
}

/** The sums of a table's packs in `[from, to)`, by combination. */
async function mergedPacks(client: pg.PoolClient, table: PackedTableName, from: number, to: number): Promise<Map<string, FullMeasures>> {
  const sums = new Map<string, FullMeasures>();
  await eachPackPage((page) => client.query<Row>(page.text, page.values), table, from, to, (page) => {
    for (const pack of page) mergePack(pack.sums, sums);
  });
  return sums;
}

/**
 * Reads a table's packs in `[from, to)` a page of buckets at a time (`packPageRows`), each bucket's packs
 * joined into one (see the SQLite store's `packsByBucket`), handing each page to `use`.
 */
async function eachPackPage(
  run: (page: { text: string; values: unknown[] }) => Promise<pg.QueryResult<Row>>,
  table: PackedTableName,
  from: number,
  to: number,
  use: (page: PackRow[]) => void,
): Promise<void> {
  const limit = packPageRows[table];
  let after = from - 1;
  for (;;) {
    const result = await run({
      text: `SELECT bucket_start, '[' || string_agg(substr(sums, 2, length(sums) - 2), ',') || ']' AS sums FROM ${rollupTables[table].packs}
        WHERE bucket_start >= $1 AND bucket_start < $2 AND bucket_start > $3 GROUP BY bucket_start ORDER BY bucket_start LIMIT $4`,
      values: [from, to, after, limit],
    });
    use(result.rows.map((row) => ({ bucketStart: Number(row.bucket_start), sums: String(row.sums) })));
    if (result.rows.length < limit) return;
    after = Number(result.rows[result.rows.length - 1]!.bucket_start);
  }
}
