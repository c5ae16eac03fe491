import type { UsageRow } from '../../domain/usage-row.js';
import { bucketSumsOf, type FullMeasures } from './bucket-sums.js';
import { daysToPlan, planHolds, planStep, staleStepsBeforeLocking, type CompactionPlan, type StepInputs } from './compaction-plan.js';
import { aggregateRollups, compactedEdge, compactionRange, compactionStep } from './rollup-batch.js';
import { compactedTables, rollupBucketMs, rollupTables, type NarrowShape, type PackedTableName, type RollupTable } from './rollup-columns.js';
import type { BucketRange, RollupTablesPort, RollupTablesReader, RollupTablesWriter } from './rollup-tables-port.js';
import type { NarrowShapeRows } from './bucket-sums.js';
import type { StoreWork } from './store-work.js';

/**
 * The rollup engine's moving parts, once for both backends (each implements only rollup-tables-port.ts):
 *
 * - a **batch** of usage rows is summed into a pack per minute (and, for rows older than a table's
 *   compacted edge, straight into the hour and day tables): `addBatch`;
 * - **compaction** moves the mark a step at a time (an hour, and the days the mark passes): each step's
 *   inputs are read in a snapshot that takes no write lock, planned (compaction-plan.ts, pure) and written
 *   under the lock if nothing it read has changed since, else read again; after a few stale tries, read
 *   and written under the lock: `compactDueSteps`, and `compactTo` for a batch that passes an hour.
 *
 * Names: a **pack** is one table row holding a bucket's full-shape sums as JSON text (bucket-sums.ts), one
 * per bucket and write; **narrow** tables hold the narrower shapes as SQL rows (rollup-columns.ts); a
 * combination's **dimensions key** (`dims` in SQL) is the JSON of its dimension values.
 */

/** Reads a range's count, nothing when it is empty. */
function* packCount(tables: RollupTablesReader, table: PackedTableName, range: BucketRange): StoreWork<number> {
  return range.from < range.to ? yield* tables.packCount(table, range) : 0;
}

function* bucketsWithPacks(tables: RollupTablesReader, source: PackedTableName, granularity: 'hour' | 'day', range: BucketRange): StoreWork<number[]> {
  return range.from < range.to ? yield* tables.bucketsWithPacks(source, granularity, range) : [];
}

/** Reads what moving the mark from `mark` to `target` sums: the passed hours' minute packs, the ended days' hour packs. */
export function* readStepInputs(tables: RollupTablesReader, mark: number, target: number): StoreWork<StepInputs> {
  const hours = compactionRange('hour', mark, target);
  const days = compactionRange('day', mark, target);
  const packsRead = { minute: yield* packCount(tables, 'minute', hours), hour: yield* packCount(tables, 'hour', days) };
  const hourSums = new Map<number, Map<string, FullMeasures>>();
  for (const hour of yield* bucketsWithPacks(tables, 'minute', 'hour', hours)) {
    hourSums.set(hour, yield* tables.summedPacks('minute', { from: hour, to: hour + rollupBucketMs.hour }));
  }
  const storedDaySums = new Map<number, Map<string, FullMeasures>>();
  if (days.from < days.to) {
    for (const day of daysToPlan(days, hourSums.keys(), yield* bucketsWithPacks(tables, 'hour', 'day', days))) {
      storedDaySums.set(day, yield* tables.summedPacks('hour', { from: day, to: day + rollupBucketMs.day }));
    }
  }
  return { mark, target, days, packsRead, hourSums, storedDaySums };
}

/** Writes a planned step (its packs and narrow rows) and moves the mark. */
export function* writeStep(tables: RollupTablesWriter, plan: CompactionPlan): StoreWork<void> {
  if (plan.hourPacks.length > 0) yield* tables.appendPacks('hour', plan.hourPacks);
  for (const { name, entries } of plan.narrow) if (entries.length > 0) yield* tables.upsertNarrow(name, entries);
  if (plan.dayPacks.length > 0) yield* tables.appendPacks('day', plan.dayPacks);
  yield* tables.moveMark(plan.target);
}

/** Whether a plan still holds: the mark where it was, and no pack added to what it read since. */
function* stillHolds(tables: RollupTablesReader, plan: CompactionPlan): StoreWork<boolean> {
  const mark = yield* tables.mark();
  const hours = compactionRange('hour', plan.mark, plan.target);
  return planHolds(plan, mark, { minute: yield* packCount(tables, 'minute', hours), hour: yield* packCount(tables, 'hour', plan.days) });
}

/** The mark and the next step's target from it (`compactionStep`: undefined when nothing is due). */
function* nextStep(tables: RollupTablesReader): StoreWork<{ mark: number; target: number | undefined }> {
  const mark = yield* tables.mark();
  const { first, latest } = yield* tables.minuteBounds(mark);
  return { mark, target: compactionStep(mark, first, latest) };
}

/**
 * Compacts every hour that is due, a step at a time (`compactionStep`: an hour, and the days the mark
 * passes). Each step is read in a read transaction, which the usage writer does not wait for, and written
 * in a short write transaction if nothing it read has changed since (else read again; after a few tries,
 * in one write transaction): a batch waiting on the mark waits for a step's inserts, not for its reading
 * and summing. Resolves with the mark.
 */
export function* compactDueSteps(port: RollupTablesPort, narrowShapeRows: NarrowShapeRows<NarrowShape>): StoreWork<number> {
  for (let stale = 0; ; ) {
    if (stale >= staleStepsBeforeLocking) {
      const locked = yield* port.writing(function* (tables) {
        const { mark, target } = yield* nextStep(tables);
        if (target !== undefined) yield* writeStep(tables, planStep(yield* readStepInputs(tables, mark, target), narrowShapeRows));
        return { mark, target };
      });
      if (locked.target === undefined) return locked.mark;
      stale = 0;
      continue;
    }
    const read = yield* port.reading(function* (tables) {
      const { mark, target } = yield* nextStep(tables);
      return { mark, plan: target === undefined ? undefined : planStep(yield* readStepInputs(tables, mark, target), narrowShapeRows) };
    });
    const plan = read.plan;
    if (!plan) return read.mark;
    const written = yield* port.writing(function* (tables) {
      if (!(yield* stillHolds(tables, plan))) return false;
      yield* writeStep(tables, plan);
      return true;
    });
    if (!written) stale++;
  }
}

/** Moves the mark up to `target` in the write transaction `tables` belong to (a batch that passes an hour). */
export function* compactTo(tables: RollupTablesWriter, target: number, narrowShapeRows: NarrowShapeRows<NarrowShape>): StoreWork<number> {
  const mark = yield* tables.mark();
  if (target <= mark) return mark;
  yield* writeStep(tables, planStep(yield* readStepInputs(tables, mark, target), narrowShapeRows));
  return target;
}

/**
 * Adds the rows a batch stored to the rollups, in the batch's transaction: a pack per minute; rows older
 * than a table's compacted edge (late: a long call, a replayed spool) also straight to the hour and day
 * tables, which already hold their hour. Resolves with the mark, held until the transaction ends so it
 * cannot move while the batch decides which rows are late, and the batch's latest row time.
 */
export function* addBatch(tables: RollupTablesWriter, rows: readonly UsageRow[]): StoreWork<{ mark: number; latest: number }> {
  yield* tables.appendPacks('minute', bucketSumsOf(rows, 'minute'));
  const mark = yield* tables.mark();
  let latest = 0;
  let earliest = Infinity;
  for (const row of rows) {
    if (row.createdAt > latest) latest = row.createdAt;
    if (row.createdAt < earliest) earliest = row.createdAt;
  }
  // Every table's edge is at or before the mark: a batch from the mark on (nearly every one) has no late rows.
  for (const name of earliest < mark ? compactedTables : []) {
    const edge = compactedEdge(name, mark);
    const late = rows.filter((row) => row.createdAt < edge);
    if (late.length === 0) continue;
    const table: RollupTable = rollupTables[name];
    if (name === 'hour' || name === 'day') yield* tables.appendPacks(name, bucketSumsOf(late, name));
    else yield* tables.upsertNarrow(name, aggregateRollups(late, table.granularity, table.shape));
  }
  return { mark, latest };
}
