import type { KeyRole } from '../../keys/key-role.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { newUlid } from '../../ids/new-ulid.js';
import type { AttemptRecord } from '../../usage/attempt-record.js';
import type { UsageRow } from '../../usage/usage-row.js';
import { rollupAggregateStatement, toRollupGroup, usageLogStatement, type AnalyticsSqlDialect } from '../rollups/analytics-sql.js';
import type { PruneTarget, RollupGroup, RollupQuery, UsageLogQuery } from '../analytics-store.js';
import { attemptTrailsByUsageId } from '../attempt-trails-by-usage-id.js';
import { aggregateRollups, compactedEdge, compactionRange, compactionStep, compactionTarget, type RollupEntry } from '../rollups/rollup-batch.js';
import {
  compactedTables,
  compactedTablesOf,
  dimensionColumnsOf,
  storedMeasureColumnsOf,
  narrowHourShapes,
  rollupBucketMs,
  rollupTables,
  type CompactedTableName,
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
import { toStoreError } from '../store-error-kind.js';
import { attemptColumns, decodeRecord, encodeRecord, usageColumns } from '../usage-columns.js';
import { loadSqliteDriver } from './load-sqlite-driver.js';
import { sqliteMigrations, sqliteRollupSyntax } from './migrations.js';
import { fromSqliteValue, toSqliteValue } from './sqlite-columns.js';
import { MinutePackCache } from '../rollups/sqlite/minute-sums-cache.js';
import { bucketOfPackKey, firstPackKey } from '../rollups/sqlite/bucket-sums-key.js';

interface KeyRowShape {
  id: string;
  name: string;
  hash: string;
  hint: string;
  user_name: string | null;
  team_name: string | null;
  allowed_models: string | null;
  is_admin: number;
  role: KeyRole;
  limits: string;
  default_model: string | null;
  created_at: number;
  revoked_at: number | null;
  updated_at: number;
}

const groupColumns: Record<UsageGrouping, string> = {
  model: 'COALESCE(u.upstream_model, u.requested_model)',
  key: "COALESCE(k.name, u.key_id)",
  user: 'u.user_name',
  team: 'u.team_name',
  provider: 'u.provider',
  group: 'u.group_name',
  // The target that served (or last tried) the call; NULL when no provider was chosen.
  target: "u.provider || ':' || u.upstream_model",
  requester: 'u.requester',
};

const usageInsert = `INSERT INTO usage_rows (${usageColumns.map((column) => column.name).join(', ')})
  VALUES (${usageColumns.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`;

/** Adds sums to a narrow hour or day rollup row (compaction, and rows that arrive after their hour was compacted). */
const rollupUpsert = (table: RollupTable) => {
  const columns = ['bucket_start', 'dims', ...dimensionColumnsOf(table.shape).map((column) => column.name), ...storedMeasureColumnsOf(table.shape).map((column) => column.name)];
  return `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
  ON CONFLICT (bucket_start, dims) DO UPDATE SET ${mergeAssignments(sqliteRollupSyntax, table, 'excluded')}`;
};

/** The values of a narrow shape's entry in its column order. */
function entryValues(table: RollupTable, entry: RollupEntry): unknown[] {
  const values: unknown[] = [entry.bucketStart, entry.dimsKey];
  for (const column of dimensionColumnsOf(table.shape)) values.push(toSqliteValue(column.kind, entry.dimensions[column.field]));
  for (const measure of entry.measures) values.push(measure);
  return values;
}

const packedTables: readonly PackedTableName[] = ['minute', 'hour', 'day'];

/** The packs of `[from, to)` (two parameters) in key order, so by bucket: `[bucket, sums]`. */
function packsInRange(packs: string): string {
  return `SELECT ${bucketOfPackKey('key')} AS bucket, sums FROM ${packs} WHERE key >= ${firstPackKey('?')} AND key < ${firstPackKey('?')} ORDER BY key`;
}

/**
 * Packs joined per bucket, from rows in bucket order: a window's edge may hold thousands of small packs (a
 * batch of a row or two each), and parsing each on its own cost three times what their entries do. Packs
 * are never empty, so the joined entries are JSON. (Joined here, not by GROUP BY in SQL: that sorts.)
 */
function* joinedPerBucket(rows: Iterable<[number, string]>): Generator<PackRow> {
  let bucketStart = 0;
  let entries: string[] = [];
  for (const [bucket, sums] of rows) {
    if (bucket !== bucketStart && entries.length > 0) {
      yield { bucketStart, sums: `[${entries.join(',')}]` };
      entries = [];
    }
    bucketStart = bucket;
    entries.push(sums.slice(1, -1));
  }
  if (entries.length > 0) yield { bucketStart, sums: `[${entries.join(',')}]` };
}

/** Appends a pack (`@bucket`, `@sums`) as the next of its bucket (see rollups/sqlite/bucket-sums-key.ts). */
function packAppend(packs: string): string {
  return `INSERT INTO ${packs} (key, sums) VALUES ((SELECT COALESCE(MAX(key) + 1, ${firstPackKey('@bucket')}) FROM ${packs}
    WHERE key >= ${firstPackKey('@bucket')} AND key < ${firstPackKey('@bucket + 1')}), @sums)`;
}

/** How many packs a table has in a range (none in an empty one). */
function packCount(statements: RollupStatements, table: PackedTableName, range: { from: number; to: number }): number {
  return range.from < range.to ? (statements.countPacks[table].get(range.from, range.to) as { packs: number }).packs : 0;
}

/** The compaction mark and the `data_version` it was read or written at. */
interface KnownMark {
  value: number;
  dataVersion: number;
}

/** Rollup statements prepared once per store. */
interface RollupStatements {
  appendPack: Record<PackedTableName, Database.Statement>;
  readPacks: Record<PackedTableName, Database.Statement>;
  packBuckets: Record<PackedTableName, Database.Statement>;
  /** How many packs a table has in `[from, to)`: packs are only appended there, so a count that holds means nothing was. */
  countPacks: Record<PackedTableName, Database.Statement>;
  upsert: Partial<Record<CompactedTableName, Database.Statement>>;
  readMark: Database.Statement;
  /** The bucket of the first minute pack at or after a time, and of the latest one (NULL when none). */
  firstMinuteFrom: Database.Statement;
  latestMinute: Database.Statement;
  dataVersion: Database.Statement;
  writeMark: Database.Statement;
}

const sqliteAnalyticsDialect: AnalyticsSqlDialect = {
  parameter: () => '?',
  listContains: (column, parameter) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${parameter})`,
  isTrue: (column) => `${column} = 1`,
};

/** Which rows a retention pass deletes from, oldest first, by their time column (hours and days: both shapes). */
const pruneStatements: Record<PruneTarget, string[]> = {
  rows: ['DELETE FROM usage_rows WHERE rowid IN (SELECT rowid FROM usage_rows WHERE created_at < ? ORDER BY created_at LIMIT ?)'],
  // Minutes not yet compacted into hours stay, however old.
  minute: [
    `DELETE FROM ${rollupTables.minute.packs} WHERE key IN (SELECT key FROM ${rollupTables.minute.packs}
    WHERE key < ${firstPackKey(`min(?, (SELECT compacted_until FROM ${rollupStateTable}))`)} ORDER BY key LIMIT ?)`,
  ],
  hour: compactedTablesOf('hour').map(prunedKeyed),
  day: compactedTablesOf('day').map(prunedKeyed),
};

function prunedKeyed(table: RollupTable): string {
  if (table.packs) return `DELETE FROM ${table.packs} WHERE key IN (SELECT key FROM ${table.packs} WHERE key < ${firstPackKey('?')} ORDER BY key LIMIT ?)`;
  return `DELETE FROM ${table.name} WHERE (bucket_start, dims) IN (SELECT bucket_start, dims FROM ${table.name} WHERE bucket_start < ? ORDER BY bucket_start LIMIT ?)`;
}

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

const attemptInsert = `INSERT INTO usage_attempts (usage_id, attempt_index, ${attemptColumns.map((column) => column.name).join(', ')})
  VALUES (?, ?, ${attemptColumns.map(() => '?').join(', ')}) ON CONFLICT (usage_id, attempt_index) DO NOTHING`;

/**
 * The embedded store: one SQLite file in WAL mode. better-sqlite3 is synchronous, so nothing here runs on
 * the request path: keys are read into memory by the key view and usage rows are written in batches.
 */
export class SqliteStore implements Store {
  readonly #database: Database.Database;
  readonly #insertUsage: Database.Statement;
  readonly #insertAttempt: Database.Statement;
  readonly #rollups: RollupStatements | undefined;
  readonly #compactWithBatches: boolean;
  readonly #narrowRollup = new NarrowRollup(narrowHourShapes);
  readonly #minutePacks: MinutePackCache;
  /** The compaction mark as of this connection's last commit (see `#markNow`). */
  #knownMark: KnownMark | undefined;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const Driver = loadSqliteDriver();
    this.#database = new Driver(path);
    this.#database.pragma('journal_mode = WAL');
    this.#database.pragma('synchronous = NORMAL');
    // Several processes (a server and the CLI) may share the file.
    this.#database.pragma('busy_timeout = 5000');
    // Per connection, off by default: without it deleting a usage row would leave its attempts behind.
    this.#database.pragma('foreign_keys = ON');
    this.#migrate();
    this.#insertUsage = this.#database.prepare(usageInsert);
    this.#insertAttempt = this.#database.prepare(attemptInsert);
    this.#rollups = options.rollups === false ? undefined : this.#prepareRollups();
    this.#compactWithBatches = options.compactWithBatches !== false;
    this.#minutePacks = new MinutePackCache(this.#database);
  }

  #prepareRollups(): RollupStatements {
    const upsert: RollupStatements['upsert'] = {};
    for (const name of compactedTables) {
      if (rollupTables[name].shape === 'full') continue;
      upsert[name] = this.#database.prepare(rollupUpsert(rollupTables[name]));
    }
    const perPackedTable = (sql: (packs: string) => string, raw = false) =>
      Object.fromEntries(
        packedTables.map((name) => {
          const statement = this.#database.prepare(sql(rollupTables[name].packs));
          return [name, raw ? statement.raw() : statement];
        }),
      ) as Record<PackedTableName, Database.Statement>;
    return {
      appendPack: perPackedTable(packAppend),
      readPacks: perPackedTable((packs) => packsInRange(packs), true),
      packBuckets: perPackedTable(
        (packs) =>
          `SELECT DISTINCT ${bucketOfPackKey('key')} - (${bucketOfPackKey('key')} % ?) AS bucket FROM ${packs} WHERE key >= ${firstPackKey('?')} AND key < ${firstPackKey('?')} ORDER BY bucket`,
      ),
      countPacks: perPackedTable((packs) => `SELECT count(*) AS packs FROM ${packs} WHERE key >= ${firstPackKey('?')} AND key < ${firstPackKey('?')}`),
      upsert,
      readMark: this.#database.prepare(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1`),
      firstMinuteFrom: this.#database.prepare(`SELECT ${bucketOfPackKey('min(key)')} FROM ${rollupTables.minute.packs} WHERE key >= ${firstPackKey('?')}`).pluck(),
      latestMinute: this.#database.prepare(`SELECT ${bucketOfPackKey('max(key)')} FROM ${rollupTables.minute.packs}`).pluck(),
      dataVersion: this.#database.prepare('PRAGMA data_version').pluck(),
      writeMark: this.#database.prepare(`UPDATE ${rollupStateTable} SET compacted_until = ? WHERE id = 1`),
    };
  }

  #migrate(): void {
    const applied = this.#database.pragma('user_version', { simple: true }) as number;
    for (let version = applied; version < sqliteMigrations.length; version++) {
      this.#database.transaction(() => {
        this.#database.exec(sqliteMigrations[version] ?? '');
        this.#database.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  async createKey(key: NewKey): Promise<KeyRecord> {
    return guarded(() => {
      const now = Date.now();
      const record: KeyRecord = { ...key, isAdmin: key.role === 'admin', defaultModel: key.defaultModel ?? null, id: `key_${newUlid()}`, createdAt: now, revokedAt: null, updatedAt: now };
      this.#database
        .prepare(
          `INSERT INTO gateway_keys (id, name, hash, hint, user_name, team_name, allowed_models, is_admin, role, limits, default_model, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.id,
          record.name,
          record.hash,
          record.hint,
          record.userName,
          record.teamName,
          record.allowedModels ? JSON.stringify(record.allowedModels) : null,
          record.isAdmin ? 1 : 0,
          record.role,
          JSON.stringify(record.limits),
          record.defaultModel,
          record.createdAt,
          record.updatedAt,
        );
      return record;
    });
  }

  async listKeys(): Promise<KeyRecord[]> {
    return guarded(() => {
      const rows = this.#database.prepare('SELECT * FROM gateway_keys ORDER BY created_at').all() as KeyRowShape[];
      return rows.map(toKeyRecord);
    });
  }

  async keysChangedSince(since: number): Promise<KeyRecord[]> {
    return guarded(() => {
      const rows = this.#database
        .prepare('SELECT * FROM gateway_keys WHERE updated_at >= ? ORDER BY updated_at')
        .all(since) as KeyRowShape[];
      return rows.map(toKeyRecord);
    });
  }

  async updateKey(idOrName: string, changes: KeyChanges): Promise<KeyRecord | undefined> {
    return guarded(() => {
      const assignments: Array<[column: string, value: unknown]> = [];
      if (changes.userName !== undefined) assignments.push(['user_name', changes.userName]);
      if (changes.teamName !== undefined) assignments.push(['team_name', changes.teamName]);
      if (changes.allowedModels !== undefined) assignments.push(['allowed_models', changes.allowedModels ? JSON.stringify(changes.allowedModels) : null]);
      if (changes.role !== undefined) assignments.push(['role', changes.role], ['is_admin', changes.role === 'admin' ? 1 : 0]);
      if (changes.limits !== undefined) assignments.push(['limits', JSON.stringify(changes.limits)]);
      if (changes.defaultModel !== undefined) assignments.push(['default_model', changes.defaultModel]);
      assignments.push(['updated_at', Date.now()]);
      const row = this.#database
        .prepare(`UPDATE gateway_keys SET ${assignments.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ? OR name = ? RETURNING *`)
        .get(...assignments.map(([, value]) => value), idOrName, idOrName) as KeyRowShape | undefined;
      return row ? toKeyRecord(row) : undefined;
    });
  }

  async setPrincipal(kind: PrincipalKind, principal: PrincipalSettings): Promise<PrincipalRecord> {
    return guarded(() => {
      const updatedAt = Date.now();
      const defaultModel = principal.defaultModel ?? null;
      this.#database
        .prepare(
          `INSERT INTO principals (kind, name, limits, allowed_models, default_model, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, name) DO UPDATE SET limits = excluded.limits, allowed_models = excluded.allowed_models,
           default_model = excluded.default_model, updated_at = excluded.updated_at`,
        )
        .run(kind, principal.name, JSON.stringify(principal.limits), principal.allowedModels ? JSON.stringify(principal.allowedModels) : null, defaultModel, updatedAt);
      return { ...principal, defaultModel, updatedAt };
    });
  }

  async listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]> {
    return guarded(() => {
      return this.principalsChangedSince(kind, 0);
    });
  }

  async principalsChangedSince(kind: PrincipalKind, since: number): Promise<PrincipalRecord[]> {
    return guarded(() => {
      const rows = this.#database
        .prepare('SELECT * FROM principals WHERE kind = ? AND updated_at >= ? ORDER BY name')
        .all(kind, since) as Array<{ name: string; limits: string; allowed_models: string | null; default_model: string | null; updated_at: number }>;
      return rows.map((row) => ({
        name: row.name,
        limits: JSON.parse(row.limits) as LimitSettings,
        allowedModels: row.allowed_models ? (JSON.parse(row.allowed_models) as string[]) : null,
        defaultModel: row.default_model,
        updatedAt: row.updated_at,
      }));
    });
  }

  async revokeKey(idOrName: string): Promise<KeyRecord | undefined> {
    return guarded(() => {
      const now = Date.now();
      const row = this.#database
        .prepare(
          `UPDATE gateway_keys SET revoked_at = COALESCE(revoked_at, ?), updated_at = ?
           WHERE id = ? OR name = ? RETURNING *`,
        )
        .get(now, now, idOrName, idOrName) as KeyRowShape | undefined;
      return row ? toKeyRecord(row) : undefined;
    });
  }

  async setProviderKey(provider: string, sealedKey: string): Promise<void> {
    return guarded(() => {
      this.#database
        .prepare(
          `INSERT INTO provider_keys (provider, sealed_key, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (provider) DO UPDATE SET sealed_key = excluded.sealed_key, updated_at = excluded.updated_at`,
        )
        .run(provider, sealedKey, Date.now());
    });
  }

  async deleteProviderKey(provider: string): Promise<boolean> {
    return guarded(() => {
      return this.#database.prepare('DELETE FROM provider_keys WHERE provider = ?').run(provider).changes > 0;
    });
  }

  async listProviderKeys(): Promise<StoredProviderKey[]> {
    return guarded(() => {
      const rows = this.#database.prepare('SELECT * FROM provider_keys ORDER BY provider').all() as Array<{
        provider: string;
        sealed_key: string;
        updated_at: number;
      }>;
      return rows.map((row) => ({ provider: row.provider, sealedKey: row.sealed_key, updatedAt: row.updated_at }));
    });
  }

  async recordUsage(rows: readonly UsageRow[]): Promise<void> {
    return guarded(() => {
      if (rows.length === 0) return;
      // A row, its attempts and its rollups in one transaction: a reader never sees a row without its
      // trail, and the rollups always sum exactly the rows stored.
      const mark = this.#database.transaction((batch: readonly UsageRow[]) => {
        const stored: UsageRow[] = [];
        for (const row of batch) {
          // A row stored before (a retried batch) keeps the attempts stored with it, and is not counted twice.
          if (this.#insertUsage.run(encodeRecord(usageColumns, row, toSqliteValue)).changes === 0) continue;
          stored.push(row);
          const trail = row.attemptTrail;
          for (let index = 0; index < trail.length; index++) {
            this.#insertAttempt.run(row.id, index, ...encodeRecord(attemptColumns, trail[index]!, toSqliteValue));
          }
        }
        // Immediate: the compaction mark read in `#addToRollups` must not move before this transaction ends.
        return this.#rollups && stored.length > 0 ? this.#addToRollups(stored, this.#rollups) : undefined;
      }).immediate(rows);
      // Learnt once committed: a rolled-back compaction must not leave its mark behind.
      if (mark) this.#knownMark = mark;
    });
  }

  /**
   * The batch's minutes appended (a pack per minute); rows older than the compaction mark (late: a long
   * call, a replayed spool) also added to the hour and day tables, which already hold their hour; and once
   * the batch reaches an hour past the mark, the minutes between are compacted into hours and days and the
   * mark moves.
   */
  #addToRollups(rows: readonly UsageRow[], statements: RollupStatements): KnownMark {
    for (const pack of packRows(rows, 'minute')) statements.appendPack.minute.run({ bucket: pack.bucketStart, sums: pack.sums });
    const mark = this.#markNow(statements);
    let latest = 0;
    let earliest = Infinity;
    for (const row of rows) {
      if (row.createdAt > latest) latest = row.createdAt;
      if (row.createdAt < earliest) earliest = row.createdAt;
    }
    // Every table's edge is at or before the mark: a batch from the mark on (nearly every one) has no late rows.
    for (const name of earliest < mark.value ? compactedTables : []) {
      const edge = compactedEdge(name, mark.value);
      const late = rows.filter((row) => row.createdAt < edge);
      if (late.length === 0) continue;
      const table: RollupTable = rollupTables[name];
      if (name === 'hour' || name === 'day') {
        for (const pack of packRows(late, name)) statements.appendPack[name].run({ bucket: pack.bucketStart, sums: pack.sums });
      } else for (const entry of aggregateRollups(late, table.granularity, table.shape)) statements.upsert[name]!.run(entryValues(table, entry));
    }
    const target = compactionTarget(latest);
    if (!this.#compactWithBatches || target <= mark.value) return mark;
    this.#writeCompaction(this.#planCompaction(mark.value, target, statements), statements);
    return { value: target, dataVersion: mark.dataVersion };
  }

  /**
   * The compaction mark, read once per batch. Remembered with the file's `data_version`, which stays the
   * same until another connection commits: while it does, no one else can have moved the mark, and a
   * batch reads one table fewer (at one row a batch, the writer's usual size, a couple of percent of its
   * time).
   */
  #markNow(statements: RollupStatements): KnownMark {
    const dataVersion = statements.dataVersion.get() as number;
    if (this.#knownMark?.dataVersion === dataVersion) return this.#knownMark;
    return { value: (statements.readMark.get() as { compacted_until: number }).compacted_until, dataVersion };
  }

  /**
   * Works out what moving the mark from `mark` to `target` writes: each passed hour's minute packs summed
   * into the hour's pack and narrow hour rows; each ended day's hour packs (with the hours summed here) into
   * its pack. Reads only; with the counts of the packs read, so a writer can tell whether it still holds.
   */
  #planCompaction(mark: number, target: number, statements: RollupStatements): CompactionPlan {
    const hours = compactionRange('hour', mark, target);
    const days = compactionRange('day', mark, target);
    const plan = newCompactionPlan(mark, target, days, { minute: packCount(statements, 'minute', hours), hour: packCount(statements, 'hour', days) });
    for (const hour of this.#bucketsWithPacks(statements, 'minute', 'hour', hours)) {
      planHour(plan, hour, this.#mergedPacks(statements, 'minute', hour, hour + rollupBucketMs.hour), this.#narrowRollup);
    }
    if (days.from >= days.to) return plan;
    for (const day of daysToPlan(plan, this.#bucketsWithPacks(statements, 'hour', 'day', days))) {
      planDay(plan, day, this.#mergedPacks(statements, 'hour', day, day + rollupBucketMs.day), this.#narrowRollup);
    }
    return plan;
  }

  /** Writes a compaction step (its packs and narrow rows) and moves the mark. */
  #writeCompaction(plan: CompactionPlan, statements: RollupStatements): void {
    for (const pack of plan.hourPacks) statements.appendPack.hour.run({ bucket: pack.bucketStart, sums: pack.sums });
    for (const { name, entries } of plan.narrow) {
      const table: RollupTable = rollupTables[name];
      for (const entry of entries) statements.upsert[name]!.run(entryValues(table, entry));
    }
    for (const pack of plan.dayPacks) statements.appendPack.day.run({ bucket: pack.bucketStart, sums: pack.sums });
    statements.writeMark.run(plan.target);
  }

  /** Whether a plan still holds: the mark where it was, and no pack added to what it read since. */
  #planHolds(plan: CompactionPlan, mark: number, statements: RollupStatements): boolean {
    const hours = compactionRange('hour', plan.mark, plan.target);
    return planHolds(plan, mark, { minute: packCount(statements, 'minute', hours), hour: packCount(statements, 'hour', plan.days) });
  }

  /** The buckets of `granularity` in `range` that packs of `source` fall in. */
  #bucketsWithPacks(statements: RollupStatements, source: PackedTableName, granularity: 'hour' | 'day', range: { from: number; to: number }): number[] {
    if (range.from >= range.to) return [];
    const rows = statements.packBuckets[source].all(rollupBucketMs[granularity], range.from, range.to) as Array<{ bucket: number }>;
    return rows.map((row) => row.bucket);
  }

  /** The sums of a table's packs in `[from, to)`, by combination. */
  #mergedPacks(statements: RollupStatements, table: PackedTableName, from: number, to: number): Map<string, FullMeasures> {
    const sums = new Map<string, FullMeasures>();
    for (const pack of joinedPerBucket(statements.readPacks[table].iterate(from, to) as IterableIterator<[number, string]>)) mergePack(pack.sums, sums);
    return sums;
  }

  async aggregateRollups(query: RollupQuery): Promise<RollupGroup[]> {
    return guarded(() => {
      const packs = (rollupTables[query.table] as RollupTable).packs;
      if (query.table === 'minute') {
        const aggregation = new PackAggregation(query);
        for (const [bucketStart, entries] of this.#minutePacks.minutes(query.from, query.to)) aggregation.addEntries(bucketStart, entries);
        return aggregation.result();
      }
      if (packs) {
        const aggregation = new PackAggregation(query);
        const rows = this.#database.prepare(packsInRange(packs)).raw().iterate(query.from, query.to) as IterableIterator<[number, string]>;
        for (const pack of joinedPerBucket(rows)) aggregation.add(pack);
        return aggregation.result();
      }
      const statement = rollupAggregateStatement(query, sqliteAnalyticsDialect);
      const rows = this.#database.prepare(statement.text).all(...statement.values) as Array<Record<string, unknown>>;
      return rows.flatMap((row) => toRollupGroup(row, query) ?? []);
    });
  }

  /**
   * Compacts every hour that is due, a step at a time (`compactionStep`: an hour, and the days the mark
   * passes). Each step is worked out in a read transaction, which the usage writer does not wait for, and
   * written in a short write transaction if nothing it read has changed since (else worked out again; after
   * a few tries, in one write transaction): a batch waiting on the file waits for a step's inserts, not for
   * its reading and summing. Resolves with the mark.
   */
  async compactRollups(): Promise<number> {
    return guarded(() => {
      const statements = this.#rollups;
      if (!statements) return 0;
      for (let stale = 0; ; ) {
        const step = (write: boolean) => {
          const mark = this.#markNow(statements);
          const first = statements.firstMinuteFrom.get(mark.value) as number | null;
          const latest = statements.latestMinute.get() as number | null;
          const target = compactionStep(mark.value, first ?? undefined, latest ?? undefined);
          if (target === undefined) return { mark, plan: undefined };
          const plan = this.#planCompaction(mark.value, target, statements);
          if (write) this.#writeCompaction(plan, statements);
          return { mark, plan };
        };
        if (stale >= staleStepsBeforeLocking) {
          const { mark, plan } = this.#database.transaction(() => step(true)).immediate();
          this.#knownMark = plan ? { value: plan.target, dataVersion: mark.dataVersion } : mark;
          if (!plan) return mark.value;
          stale = 0;
          continue;
        }
        const { mark, plan } = this.#database.transaction(() => step(false)).deferred();
        this.#knownMark = mark;
        if (!plan) return mark.value;
        const written = this.#database
          .transaction(() => {
            const now = this.#markNow(statements);
            if (!this.#planHolds(plan, now.value, statements)) return undefined;
            this.#writeCompaction(plan, statements);
            return { value: plan.target, dataVersion: now.dataVersion };
          })
          .immediate();
        if (written) this.#knownMark = written;
        else stale++;
      }
    });
  }

  async rollupsCompactedUntil(): Promise<number> {
    return guarded(() => (this.#database.prepare(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1`).get() as { compacted_until: number }).compacted_until);
  }

  async listUsage(query: UsageLogQuery): Promise<UsageRow[]> {
    return guarded(() => {
      const statement = usageLogStatement(query, sqliteAnalyticsDialect);
      const rows = this.#database.prepare(statement.text).all(...statement.values) as Array<Record<string, unknown>>;
      return rows.map((row) => toUsageRow(row, new Map()));
    });
  }

  async usageRow(id: string): Promise<UsageRow | undefined> {
    return guarded(() => {
      const row = this.#database.prepare('SELECT * FROM usage_rows WHERE id = ?').get(id) as Record<string, unknown> | undefined;
      if (!row) return undefined;
      const attempts = this.#database.prepare('SELECT * FROM usage_attempts WHERE usage_id = ? ORDER BY attempt_index').all(id) as Array<Record<string, unknown>>;
      return toUsageRow(row, attemptTrailsByUsageId(attempts, fromSqliteValue));
    });
  }

  async pruneUsage(options: { target: PruneTarget; before: number; limit: number }): Promise<number> {
    return guarded(() =>
      this.#database.transaction(() => {
        let deleted = 0;
        for (const statement of pruneStatements[options.target]) deleted += this.#database.prepare(statement).run(options.before, options.limit).changes;
        return deleted;
      })(),
    );
  }

  async usageTotals(options: UsageTotalsOptions): Promise<UsageTotals> {
    return guarded(() => {
      const column = usageTotalsColumns[options.scope];
      const row = this.#database
        .prepare(
          `SELECT COUNT(*) AS requests, COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
                  COALESCE(SUM(cost_usd), 0) AS cost_usd, COALESCE(SUM(billed_cost_usd), 0) AS billed_cost_usd,
                  COALESCE(SUM(COALESCE(billed_cost_usd, cost_usd)), 0) AS cost_preferring_billed_usd
           FROM usage_rows WHERE ${column} = ? AND created_at >= ?${options.group === undefined ? '' : ' AND group_name = ?'}`,
        )
        .get(...(options.group === undefined ? [options.subject, options.since] : [options.subject, options.since, options.group])) as {
        requests: number;
        input_tokens: number;
        output_tokens: number;
        cost_usd: number;
        billed_cost_usd: number;
        cost_preferring_billed_usd: number;
      };
      return {
        requests: row.requests,
        inputTokens: row.input_tokens,
        outputTokens: row.output_tokens,
        costUsd: row.cost_usd,
        billedCostUsd: row.billed_cost_usd,
        costPreferringBilledUsd: row.cost_preferring_billed_usd,
      };
    });
  }

  async summarizeUsage(options: UsageSummaryOptions): Promise<UsageSummaryRow[]> {
    return guarded(() => {
      const group = groupColumns[options.by];
      const rows = this.#database
        .prepare(
          `SELECT ${group} AS grouping, COUNT(*) AS requests,
                  SUM(CASE WHEN u.outcome = 'error' THEN 1 ELSE 0 END) AS errors,
                  SUM(u.input_tokens) AS input_tokens, SUM(u.output_tokens) AS output_tokens,
                  SUM(u.cache_read_tokens) AS cache_read_tokens, SUM(u.cache_write_tokens) AS cache_write_tokens,
                  SUM(u.cost_usd) AS cost_usd
           FROM usage_rows u LEFT JOIN gateway_keys k ON k.id = u.key_id
           WHERE u.created_at >= ?${options.requester === undefined ? '' : ' AND u.requester = ?'}
           GROUP BY grouping ORDER BY COALESCE(SUM(u.cost_usd), 0) DESC, requests DESC`,
        )
        .all(...(options.requester === undefined ? [options.since] : [options.since, options.requester])) as Array<{
        grouping: string | null;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        cache_read_tokens: number;
        cache_write_tokens: number;
        cost_usd: number | null;
      }>;
      return rows.map((row) => ({
        group: row.grouping,
        requests: row.requests,
        errors: row.errors,
        inputTokens: row.input_tokens,
        outputTokens: row.output_tokens,
        cacheReadTokens: row.cache_read_tokens,
        cacheWriteTokens: row.cache_write_tokens,
        costUsd: row.cost_usd,
      }));
    });
  }

  async recentUsage(options: { limit: number }): Promise<UsageRow[]> {
    return guarded(() => {
      const rows = this.#database.prepare('SELECT * FROM usage_rows ORDER BY id DESC LIMIT ?').all(options.limit) as Array<Record<string, unknown>>;
      // A row's attempts are committed with it, so every row read above has its trail here.
      const attempts = this.#database
        .prepare(
          `SELECT * FROM usage_attempts WHERE usage_id IN (SELECT id FROM usage_rows ORDER BY id DESC LIMIT ?)
           ORDER BY usage_id, attempt_index`,
        )
        .all(options.limit) as Array<Record<string, unknown>>;
      const trails = attemptTrailsByUsageId(attempts, fromSqliteValue);
      return rows.map((row) => toUsageRow(row, trails));
    });
  }

  async usageAttempts(usageId: string): Promise<AttemptRecord[]> {
    return guarded(() => {
      const rows = this.#database
        .prepare('SELECT * FROM usage_attempts WHERE usage_id = ? ORDER BY attempt_index')
        .all(usageId) as Array<Record<string, unknown>>;
      return rows.map((row) => decodeRecord(attemptColumns, row, fromSqliteValue) as unknown as AttemptRecord);
    });
  }

  async createSession(session: DashboardSession): Promise<void> {
    return guarded(() => {
      this.#database
        .prepare('INSERT INTO dashboard_sessions (token_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(session.tokenHash, session.keyId, session.createdAt, session.expiresAt);
    });
  }

  async findSession(tokenHash: string): Promise<DashboardSession | undefined> {
    return guarded(() => {
      const row = this.#database.prepare('SELECT * FROM dashboard_sessions WHERE token_hash = ?').get(tokenHash) as
        | { token_hash: string; key_id: string; created_at: number; expires_at: number }
        | undefined;
      return row ? { tokenHash: row.token_hash, keyId: row.key_id, createdAt: row.created_at, expiresAt: row.expires_at } : undefined;
    });
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return guarded(() => this.#database.prepare('DELETE FROM dashboard_sessions WHERE token_hash = ?').run(tokenHash).changes > 0);
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return guarded(() => this.#database.prepare('DELETE FROM dashboard_sessions WHERE expires_at < ?').run(now).changes);
  }

  async close(): Promise<void> {
    if (this.#database.open) this.#database.close();
  }
}

/**
 * Runs one database call, turning "locked past the busy timeout", "disk full" and the like into the
 * store's `store_unavailable` error, as the PostgreSQL store does for a lost connection.
 */
function guarded<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw toStoreError(error);
  }
}

function toKeyRecord(row: KeyRowShape): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    hash: row.hash,
    hint: row.hint,
    userName: row.user_name,
    teamName: row.team_name,
    allowedModels: row.allowed_models ? (JSON.parse(row.allowed_models) as string[]) : null,
    role: row.role,
    isAdmin: row.role === 'admin',
    limits: JSON.parse(row.limits) as LimitSettings,
    defaultModel: row.default_model,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    updatedAt: row.updated_at,
  };
}

function toUsageRow(row: Readonly<Record<string, unknown>>, trails: ReadonlyMap<string, AttemptRecord[]>): UsageRow {
  const usage = decodeRecord(usageColumns, row, fromSqliteValue) as unknown as UsageRow;
  usage.attemptTrail = trails.get(usage.id) ?? [];
  return usage;
}
