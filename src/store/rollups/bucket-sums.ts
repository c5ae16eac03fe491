import { rollupDimensionColumn, type AnalyticsFilters, type RollupGroup, type RollupQuery } from '../analytics-store.js';
import { addRow, dimensionsKeyOf, fullDimensionsKeyOf, type RollupEntry } from './rollup-batch.js';
import { rowEntryText, sumEntryText } from './bucket-sums-text.js';
import {
  dimensionColumnsOf,
  fullMeasureOffsets,
  keepsHistograms,
  latencyBucketBoundsMs,
  measureIndexesIn,
  rollupBucketMs,
  rollupDimensionColumns,
  spendMeasureCount,
  storedMeasureColumnsOf,
  type RollupDimensions,
  type RollupGranularity,
  type NarrowShape,
} from './rollup-columns.js';
import type { UsageRow } from '../../domain/usage-row.js';

/**
 * Names used across the rollup engine:
 * - **bucket sums** (`BucketSums`): one bucket's (minute, hour or day) full-shape sums, every combination
 *   of dimensions with its measures, as JSON text. Stored as one row of a `usage_*_packs` table, a **pack**:
 *   the SQL names and the comments keep that short word.
 * - **dimensions key** (`dimensionsKey`; the `dims` column in SQL): a combination's dimension values as
 *   one JSON text, which keys it in bucket sums and in the narrow tables.
 * - **narrow shapes** (`NarrowShapeRows`): the spend, identity, model, activity and routing tables, SQL
 *   rows with fewer dimensions, summed from the full shape as hours and days are compacted.
 *
 * Full-shape rollups are stored packed: one row per bucket and write (a batch's minutes, an hour or a day
 * compacted) holding all its sums as JSON text. Full-shape sums keep thirteen dimensions, requesters and
 * tag lists among them, so on a gateway whose calls spread over many keys, models and end users nearly
 * every row is a combination of its own in its minute, and about every other one in its hour: written as
 * one table row each (and a dictionary row for each new combination), they cost the usage writer more than
 * the rows themselves. A pack is one insert per batch and minute; compaction and readers decode packs in
 * JS, which is faster than SQLite reading the same sums as rows.
 *
 * A pack is a JSON array of entries, one per combination:
 * `[dimensionsKey, calls, errors, cancelled, cache_hits, input_tokens, output_tokens, cache_read_tokens,
 *   cache_write_tokens, reasoning_tokens, cost_usd, saved_usd, last_at, latency, ttfb,
 *   attempts, retries, fallbacks, upstream_ms, overhead, throughput(, billed_cost_usd, billed_calls)]`
 * where `dimensionsKey` is the JSON text of the thirteen dimensions in `rollupDimensionColumns` order (booleans
 * as 1 or 0) and `latency`/`ttfb`/`overhead`/`throughput` list the non-empty histogram buckets as `[index,
 * count]` pairs, or, for a histogram of one call (nearly every minute entry's), are that bucket's index
 * alone (a number, not a list: five bytes and two arrays fewer per histogram, which the compactor and
 * readers parse again hour after hour; packs written before spell every histogram as pairs). Entries written before the routing measures end at `ttfb` (they count none); entries that
 * no upstream billed (nearly all: the billed measures are 0) end at `throughput`. The same
 * combination may appear in several packs of a bucket (and, spelt differently by a migration, twice in
 * one): readers sum them all.
 */
export interface BucketSums {
  bucketStart: number;
  sums: string;
}

/** Measures of a full-shape sum, in `storedMeasureColumnsOf('full')` order. */
export type FullMeasures = number[];

const fullMeasureCount = storedMeasureColumnsOf('full').length;
const bucketCount = latencyBucketBoundsMs.length;
const { latency: latencyOffset, ttfb: ttfbOffset, routing: routingOffset, overhead: overheadOffset, throughput: throughputOffset, billed: billedOffset } =
  fullMeasureOffsets;
const lastAtIndex = storedMeasureColumnsOf('full').findIndex((column) => column.name === 'last_at');
const fullFields = dimensionColumnsOf('full').map((column) => column.field);

/** A pack's text from its sums, keyed by combination. */
export function encodeBucketSums(sums: Iterable<[dimensionsKey: string, measures: FullMeasures]>): string {
  let text = '[';
  for (const [dimensionsKey, measures] of sums) text += `${text.length > 1 ? ',' : ''}${sumEntryText(JSON.stringify(dimensionsKey), measures)}`;
  return `${text}]`;
}

/** Adds a histogram as a pack spells it (`[[index, count], …]`, or one call's bucket index) at `offset`. */
function addHistogramText(target: FullMeasures, offset: number, histogram: unknown): void {
  if (typeof histogram === 'number') {
    target[offset + histogram]! += 1;
    return;
  }
  const pairs = histogram as number[][];
  for (let index = 0; index < pairs.length; index++) {
    const pair = pairs[index]!;
    target[offset + pair[0]!]! += pair[1]!;
  }
}

/** Adds one decoded entry's measures into `target`. */
function addEntry(target: FullMeasures, entry: readonly unknown[]): void {
  for (let index = 0; index < spendMeasureCount; index++) {
    const value = entry[index + 1] as number;
    if (index === lastAtIndex) {
      if (value > target[index]!) target[index] = value;
    } else target[index]! += value;
  }
  addHistogramText(target, latencyOffset, entry[spendMeasureCount + 1]);
  addHistogramText(target, ttfbOffset, entry[spendMeasureCount + 2]);
  if (entry.length <= spendMeasureCount + 3) return;
  for (let index = 0; index < 4; index++) target[routingOffset + index]! += entry[spendMeasureCount + 3 + index] as number;
  addHistogramText(target, overheadOffset, entry[spendMeasureCount + 7]);
  addHistogramText(target, throughputOffset, entry[spendMeasureCount + 8]);
  if (entry.length <= spendMeasureCount + 9) return;
  target[billedOffset]! += entry[spendMeasureCount + 9] as number;
  target[billedOffset + 1]! += entry[spendMeasureCount + 10] as number;
}

/** Sums the entries of packs into `into`, by combination. */
export function addBucketSums(sums: string, into: Map<string, FullMeasures>): void {
  for (const entry of JSON.parse(sums) as unknown[][]) {
    const dimensionsKey = entry[0] as string;
    let target = into.get(dimensionsKey);
    if (!target) {
      target = new Array<number>(fullMeasureCount).fill(0);
      into.set(dimensionsKey, target);
    }
    addEntry(target, entry);
  }
}

/** Adds sums (by combination) into `into`: counts and amounts added, the newest time kept. */
export function mergeSums(sums: ReadonlyMap<string, FullMeasures>, into: Map<string, FullMeasures>): void {
  for (const [dimensionsKey, measures] of sums) {
    const target = into.get(dimensionsKey);
    if (!target) {
      into.set(dimensionsKey, [...measures]);
      continue;
    }
    for (let index = 0; index < fullMeasureCount; index++) {
      if (index === lastAtIndex) {
        if (measures[index]! > target[index]!) target[index] = measures[index]!;
      } else target[index]! += measures[index]!;
    }
  }
}

/** A combination's sum in a batch: its one row (the usual case), or, once it has several, their measures. */
interface BatchSum {
  quoted: string;
  row: UsageRow;
  measures: FullMeasures | undefined;
}

/** The packs for a batch's rows: one per bucket of `granularity` they fall in. */
export function bucketSumsOf(rows: readonly UsageRow[], granularity: RollupGranularity): BucketSums[] {
  const size = rollupBucketMs[granularity];
  const byBucket = new Map<number, Map<string, BatchSum>>();
  for (const row of rows) {
    const bucketStart = row.createdAt - (row.createdAt % size);
    let sums = byBucket.get(bucketStart);
    if (!sums) byBucket.set(bucketStart, (sums = new Map()));
    const { key, quoted } = fullDimensionsKeyOf(row);
    const sum = sums.get(key);
    if (!sum) {
      sums.set(key, { quoted, row, measures: undefined });
      continue;
    }
    if (!sum.measures) {
      sum.measures = new Array<number>(fullMeasureCount).fill(0);
      addRow(sum.measures, sum.row, true);
    }
    addRow(sum.measures, row, true);
  }
  const packs: BucketSums[] = [];
  for (const [bucketStart, sums] of byBucket) {
    let text = '[';
    for (const sum of sums.values()) text += `${text.length > 1 ? ',' : ''}${sum.measures ? sumEntryText(sum.quoted, sum.measures) : rowEntryText(sum.quoted, sum.row)}`;
    packs.push({ bucketStart, sums: `${text}]` });
  }
  return packs;
}

/**
 * Combinations' dimensions by key, shared by every aggregation: a report's window edges are minutes of
 * full-shape packs, thousands of combinations that the next report (a dashboard's other panels, its next
 * refresh) reads again; parsing each key once per report was most of what those edges cost. Bounded: when
 * full it starts again.
 */
const parsedDimensions = new Map<string, RollupDimensions>();
const parsedDimensionsLimit = 100_000;

/** A combination's dimensions from its key (never changed by callers: shared). */
function dimensionsOfKey(dimensionsKey: string): RollupDimensions {
  let dimensions = parsedDimensions.get(dimensionsKey);
  if (!dimensions) {
    dimensions = dimensionsOfValues(JSON.parse(dimensionsKey) as unknown[]);
    if (parsedDimensions.size >= parsedDimensionsLimit) parsedDimensions.clear();
    parsedDimensions.set(dimensionsKey, dimensions);
  }
  return dimensions;
}

function dimensionsOfValues(values: readonly unknown[]): RollupDimensions {
  const dimensions: Record<string, unknown> = {};
  fullFields.forEach((field, index) => {
    const value = values[index] ?? null;
    dimensions[field] = field === 'cached' ? value === 1 || value === true : value;
  });
  return dimensions as unknown as RollupDimensions;
}

const fullFieldIndex = new Map<keyof RollupDimensions, number>(fullFields.map((field, index) => [field, index]));

/** A combination as the narrow shapes see it: its dimensions and its key in each shape. */
interface NarrowedCombination {
  dimensions: RollupDimensions;
  keys: string[];
}

/** How `NarrowShapeRows` sums a shape: from the full sums, or from an earlier shape's entries that hold its dimensions. */
interface NarrowPlan<Shape> {
  shape: Shape;
  fields: ReadonlyArray<keyof RollupDimensions>;
  indexes: number[];
  /** Where each of the shape's measures sits in its source's (the full shape's, or `source`'s). */
  measureIndexes: number[];
  source: Shape | undefined;
}

/**
 * The rows of the narrow-shape tables (spend, identity, model, activity, routing) for one bucket, summed
 * from its full-shape sums, with histograms only where a shape keeps them. A shape whose dimensions an earlier one holds (identity and model in spend) is
 * summed from that one's few hundred entries, not from thousands of full sums. The same full combinations
 * come back hour after hour, so each one's dimensions and keys in the shapes summed from it (the JSON of
 * its values in the shape, the key its table rows get) are worked out once and remembered, up to `limit`.
 */
export class NarrowShapeRows<Shape extends NarrowShape> {
  readonly #plans: ReadonlyArray<NarrowPlan<Shape>>;
  readonly #fromFull: ReadonlyArray<NarrowPlan<Shape>>;
  readonly #combinations = new Map<string, NarrowedCombination>();

  constructor(
    shapes: readonly Shape[],
    private readonly limit = 100_000,
  ) {
    const plans: Array<NarrowPlan<Shape>> = [];
    for (const shape of shapes) {
      const fields = dimensionColumnsOf(shape).map((column) => column.field);
      const histograms = keepsHistograms(shape);
      const source = plans.find((earlier) => earlier.source === undefined && (!histograms || keepsHistograms(earlier.shape)) && fields.every((field) => earlier.fields.includes(field)));
      plans.push({
        shape,
        fields,
        indexes: fields.map((field) => fullFieldIndex.get(field)!),
        measureIndexes: measureIndexesIn(shape, source?.shape ?? 'full'),
        source: source?.shape,
      });
    }
    this.#plans = plans;
    this.#fromFull = plans.filter((plan) => plan.source === undefined);
  }

  entries(bucketStart: number, sums: ReadonlyMap<string, FullMeasures>): Map<Shape, RollupEntry[]> {
    const byShape = new Map<Shape, Map<string, RollupEntry>>(this.#plans.map((plan) => [plan.shape, new Map()]));
    for (const [fullKey, measures] of sums) {
      const combination = this.#combinationOf(fullKey);
      this.#fromFull.forEach((plan, planIndex) => addTo(byShape.get(plan.shape)!, plan, bucketStart, combination.keys[planIndex]!, combination.dimensions, measures));
    }
    for (const plan of this.#plans) {
      if (plan.source === undefined) continue;
      for (const entry of byShape.get(plan.source)!.values()) addTo(byShape.get(plan.shape)!, plan, bucketStart, dimensionsKeyOf(entry.dimensions, plan.fields), entry.dimensions, entry.measures);
    }
    return new Map([...byShape].map(([shape, entries]) => [shape, [...entries.values()]]));
  }

  #combinationOf(fullKey: string): NarrowedCombination {
    let combination = this.#combinations.get(fullKey);
    if (!combination) {
      const values = JSON.parse(fullKey) as unknown[];
      combination = { dimensions: dimensionsOfValues(values), keys: this.#fromFull.map((plan) => JSON.stringify(plan.indexes.map((index) => values[index] ?? null))) };
      if (this.#combinations.size >= this.limit) this.#combinations.clear();
      this.#combinations.set(fullKey, combination);
    }
    return combination;
  }
}

/** Adds measures (those of `plan.measureIndexes`) to a shape's entry for `dimensionsKey`. */
function addTo<Shape>(entries: Map<string, RollupEntry>, plan: NarrowPlan<Shape>, bucketStart: number, dimensionsKey: string, dimensions: RollupDimensions, measures: readonly number[]): void {
  let entry = entries.get(dimensionsKey);
  if (!entry) {
    entry = { bucketStart, dimensionsKey, dimensions, measures: new Array<number>(plan.measureIndexes.length).fill(0) };
    entries.set(dimensionsKey, entry);
  }
  const target = entry.measures;
  const indexes = plan.measureIndexes;
  for (let index = 0; index < indexes.length; index++) {
    const value = measures[indexes[index]!]!;
    // Most histogram buckets are empty.
    if (value === 0) continue;
    if (index === lastAtIndex) {
      if (value > target[index]!) target[index] = value;
    } else target[index]! += value;
  }
}

/** The dimension values a filter compares, by filter name (`tag` looks inside the tag list). */
const filterFields: Record<Exclude<keyof AnalyticsFilters, 'tag'>, keyof RollupDimensions> = {
  key: 'keyId',
  user: 'userName',
  team: 'teamName',
  model: 'model',
  provider: 'provider',
  group: 'groupName',
  requester: 'requester',
};

const fieldOfColumn = new Map<string, keyof RollupDimensions>(rollupDimensionColumns.map((column) => [column.name, column.field]));

/** Whether a combination passes every given filter. */
function passes(dimensions: RollupDimensions, filters: AnalyticsFilters): boolean {
  for (const name of Object.keys(filterFields) as Array<keyof typeof filterFields>) {
    const wanted = filters[name];
    if (wanted !== undefined && dimensions[filterFields[name]] !== wanted) return false;
  }
  if (filters.tag !== undefined && !(JSON.parse(dimensions.tags) as string[]).includes(filters.tag)) return false;
  return true;
}

/**
 * What `rollupAggregateStatement` answers from a table, from packs: their sums (the caller hands in only
 * the packs of `[from, to)`), filtered and grouped as the query asks. Packs are added one at a time, so a
 * window's megabytes of them need not all be held at once.
 */
export class BucketSumsAggregation {
  readonly #query: RollupQuery;
  readonly #fields: ReadonlyArray<keyof RollupDimensions>;
  /** Per combination: undefined when filtered out, else its group's key and values. */
  readonly #combinations = new Map<string, { groupKey: string; values: RollupGroup['values'] } | undefined>();
  readonly #groups = new Map<string, { values: RollupGroup['values']; bucketStart: number | undefined; measures: FullMeasures }>();

  constructor(query: RollupQuery) {
    this.#query = query;
    this.#fields = query.by.map((dimension) => fieldOfColumn.get(rollupDimensionColumn[dimension])!);
  }

  add(pack: BucketSums): void {
    this.addEntries(pack.bucketStart, JSON.parse(pack.sums) as unknown[][]);
  }

  /** Adds a bucket's entries, already parsed (see `MinuteSumsCache`). */
  addEntries(bucketStart: number, entries: ReadonlyArray<readonly unknown[]>): void {
    const query = this.#query;
    const bucket = query.bucketMs === undefined ? undefined : bucketStart - (bucketStart % query.bucketMs);
    for (const entry of entries) {
      const combination = this.#combinationOf(entry[0] as string);
      if (!combination) continue;
      const groupKey = bucket === undefined ? combination.groupKey : `${bucket}|${combination.groupKey}`;
      let group = this.#groups.get(groupKey);
      if (!group) {
        group = { values: combination.values, bucketStart: bucket, measures: new Array<number>(fullMeasureCount).fill(0) };
        this.#groups.set(groupKey, group);
      }
      addEntry(group.measures, entry);
    }
  }

  #combinationOf(dimensionsKey: string): { groupKey: string; values: RollupGroup['values'] } | undefined {
    if (this.#combinations.has(dimensionsKey)) return this.#combinations.get(dimensionsKey);
    const dimensions = dimensionsOfKey(dimensionsKey);
    let combination: { groupKey: string; values: RollupGroup['values'] } | undefined;
    if (passes(dimensions, this.#query.filters)) {
      const values: RollupGroup['values'] = {};
      this.#query.by.forEach((dimension, index) => (values[dimension] = dimensions[this.#fields[index]!] ?? null));
      combination = { groupKey: JSON.stringify(this.#query.by.map((dimension) => values[dimension])), values };
    }
    this.#combinations.set(dimensionsKey, combination);
    return combination;
  }

  /** The groups with calls, as `toRollupGroup` reads them from SQL. */
  result(): RollupGroup[] {
    const answer: RollupGroup[] = [];
    for (const group of this.#groups.values()) {
      const measures = group.measures;
      if (measures[0] === 0) continue;
      const result: RollupGroup = {
        values: { ...group.values },
        measures: {
          calls: measures[0]!,
          errors: measures[1]!,
          cancelled: measures[2]!,
          cacheHits: measures[3]!,
          inputTokens: measures[4]!,
          outputTokens: measures[5]!,
          cacheReadTokens: measures[6]!,
          cacheWriteTokens: measures[7]!,
          reasoningTokens: measures[8]!,
          costUsd: measures[9]!,
          savedUsd: measures[10]!,
          lastAt: measures[lastAtIndex]!,
          attempts: measures[routingOffset]!,
          retries: measures[routingOffset + 1]!,
          fallbacks: measures[routingOffset + 2]!,
          upstreamMs: measures[routingOffset + 3]!,
          billedCostUsd: measures[billedOffset]!,
          billedCalls: measures[billedOffset + 1]!,
        },
      };
      if (group.bucketStart !== undefined) result.bucketStart = group.bucketStart;
      if (this.#query.histograms) {
        result.latencyHistogram = measures.slice(latencyOffset, latencyOffset + bucketCount);
        result.ttfbHistogram = measures.slice(ttfbOffset, ttfbOffset + bucketCount);
        result.overheadHistogram = measures.slice(overheadOffset, overheadOffset + bucketCount);
        result.throughputHistogram = measures.slice(throughputOffset, throughputOffset + bucketCount);
      }
      answer.push(result);
    }
    return answer;
  }
}
