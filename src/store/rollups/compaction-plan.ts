import type { RollupEntry } from './rollup-batch.js';
import { narrowDayTables, narrowHourTables, rollupBucketMs, rollupTables, type CompactedTableName, type NarrowShape } from './rollup-columns.js';
import { encodeBucketSums, mergeSums, type FullMeasures, type NarrowShapeRows, type BucketSums } from './bucket-sums.js';

/**
 * What one compaction step writes, worked out from the packs it read, and how many it read: packs are
 * only ever appended to the range a step covers (retention deletes minutes before the mark only), so if
 * the mark and those counts still hold when the step is written, nothing it read has changed. Both stores
 * work a step out without holding the write lock (SQLite's, or the mark's row on PostgreSQL) and write it
 * under the lock if it holds: a usage batch waits for a step's inserts, not for its reading and summing.
 */
export interface CompactionPlan {
  mark: number;
  target: number;
  /** The days the step compacts, `[from, to)` (empty when the mark passes no midnight). */
  days: { from: number; to: number };
  minutePacksRead: number;
  hourPacksRead: number;
  hourPacks: BucketSums[];
  /** Rows to add to the narrow hour and day tables. */
  narrow: Array<{ name: CompactedTableName; entries: RollupEntry[] }>;
  dayPacks: BucketSums[];
  /** Each compacted hour's sums, for the days it ends. */
  hourSums: Map<number, Map<string, FullMeasures>>;
}

/**
 * What a backend reads for a step (compaction-loop.ts reads it, through the backend's port): each hour's
 * sums from its minute packs, each day's from its stored hour packs, and how many packs of each it read.
 */
export interface StepInputs {
  mark: number;
  target: number;
  days: { from: number; to: number };
  packsRead: { minute: number; hour: number };
  /** The hours the step compacts, in order, each with the sums of its minute packs. */
  hourSums: Map<number, Map<string, FullMeasures>>;
  /** The days the step compacts, in order, each with the sums of its stored hour packs (the step's hours are added to these). */
  storedDaySums: Map<number, Map<string, FullMeasures>>;
}

/** Works out a step from what was read: the same for every backend, and reads nothing. */
export function planStep(inputs: StepInputs, narrowShapeRows: NarrowShapeRows<NarrowShape>): CompactionPlan {
  const plan = newCompactionPlan(inputs.mark, inputs.target, inputs.days, inputs.packsRead);
  for (const [hour, sums] of inputs.hourSums) planHour(plan, hour, sums, narrowShapeRows);
  for (const [day, storedHours] of inputs.storedDaySums) planDay(plan, day, storedHours, narrowShapeRows);
  return plan;
}

/** A step's plan before its hours and days are added. */
export function newCompactionPlan(mark: number, target: number, days: { from: number; to: number }, packsRead: { minute: number; hour: number }): CompactionPlan {
  return { mark, target, days, minutePacksRead: packsRead.minute, hourPacksRead: packsRead.hour, hourPacks: [], narrow: [], dayPacks: [], hourSums: new Map() };
}

/** Adds an hour summed from its minute packs: its pack and its narrow rows. */
export function planHour(plan: CompactionPlan, hour: number, sums: Map<string, FullMeasures>, narrowShapeRows: NarrowShapeRows<NarrowShape>): void {
  plan.hourSums.set(hour, sums);
  plan.hourPacks.push({ bucketStart: hour, sums: encodeBucketSums(sums) });
  planNarrow(plan, narrowHourTables, narrowShapeRows.entries(hour, sums));
}

function planNarrow(plan: CompactionPlan, tables: readonly CompactedTableName[], entries: Map<NarrowShape, RollupEntry[]>): void {
  for (const name of tables) plan.narrow.push({ name, entries: entries.get(rollupTables[name].shape as NarrowShape)! });
}

function dayOf(time: number): number {
  return time - (time % rollupBucketMs.day);
}

/** The days a step compacts that have anything to sum: those with hour packs, and those of the hours it sums. */
export function daysToPlan(days: { from: number; to: number }, hoursSummed: Iterable<number>, daysWithHourPacks: readonly number[]): number[] {
  const planned = new Set(daysWithHourPacks);
  for (const hour of hoursSummed) if (hour < days.to) planned.add(dayOf(hour));
  return [...planned].sort((left, right) => left - right);
}

/**
 * Adds a day: the sums of its stored hour packs, with the hours this step sums, as its pack and its narrow
 * rows. (The narrow days were summed from the narrow hours in SQL, under the write lock: 80 ms of a
 * busy day's step that the usage writer waited for.)
 */
export function planDay(plan: CompactionPlan, day: number, storedHours: Map<string, FullMeasures>, narrowShapeRows: NarrowShapeRows<NarrowShape>): void {
  for (const [hour, sums] of plan.hourSums) if (dayOf(hour) === day) mergeSums(sums, storedHours);
  plan.dayPacks.push({ bucketStart: day, sums: encodeBucketSums(storedHours) });
  planNarrow(plan, narrowDayTables, narrowShapeRows.entries(day, storedHours));
}

/** Whether a plan still holds, given the mark and the pack counts of its ranges now. */
export function planHolds(plan: CompactionPlan, mark: number, packsNow: { minute: number; hour: number }): boolean {
  return mark === plan.mark && packsNow.minute === plan.minutePacksRead && packsNow.hour === plan.hourPacksRead;
}

/** After this many plans that no longer held, a step is worked out under the lock. */
export const staleStepsBeforeLocking = 3;
