import { describe, expect, it } from 'vitest';
import type { RollupGroup, RollupQuery } from '../../src/store/analytics-store.js';
import { aggregateRollups, dimensionsKeyOf, fullDimensionsKeyOf } from '../../src/store/rollups/rollup-batch.js';
import { dimensionColumnsOf, latencyBucketOf, narrowHourShapes, spendMeasureCount, storedMeasureColumnsOf } from '../../src/store/rollups/rollup-columns.js';
import { encodeBucketSums, addBucketSums, NarrowShapeRows, BucketSumsAggregation, bucketSumsOf, type FullMeasures, type BucketSums } from '../../src/store/rollups/bucket-sums.js';
import { testUsageRow } from '../helpers/usage-rows.js';

const minute = 60_000;
const hour = 60 * minute;
const base = Date.UTC(2025, 3, 1, 10);

const rows = [
  testUsageRow('p1', { createdAt: base, keyId: 'key_a', teamName: 'red', tags: ['b', 'a'], requester: 'r1', costUsd: 1, inputTokens: 10, latencyMs: 120, timeToFirstByteMs: 40 }),
  testUsageRow('p2', { createdAt: base + 10, keyId: 'key_a', teamName: 'red', tags: ['a', 'b', 'a'], requester: 'r1', costUsd: 2, inputTokens: 20, latencyMs: 900, timeToFirstByteMs: null }),
  testUsageRow('p3', { createdAt: base + minute, keyId: 'key_b', teamName: null, cached: true, savedCostUsd: 0.5, costUsd: 0, provider: 'anthropic', upstreamModel: 'claude-haiku-4-5' }),
  testUsageRow('p4', { createdAt: base + 2 * minute, keyId: 'key_b', outcome: 'error', statusCode: 502, errorCode: 'upstream_error', costUsd: null }),
];

/** What the upstream billed: $0.25, and $0 (a billed call, not one that reported nothing). */
const billedRows = [
  testUsageRow('p7', { createdAt: base + 2 * minute, keyId: 'key_c', costUsd: 0.3, billedCostUsd: 0.25 }),
  testUsageRow('p8', { createdAt: base + 2 * minute + 1, keyId: 'key_c', costUsd: 0.3, billedCostUsd: 0 }),
  testUsageRow('p9', { createdAt: base + 2 * minute + 2, keyId: 'key_c', costUsd: 0.3, billedCostUsd: null }),
];

/** Values JSON must escape, in every dimension that takes text. */
const awkward = testUsageRow('p5', {
  createdAt: base + 3 * minute,
  keyId: 'key_"quoted"',
  userName: 'back\\slash',
  teamName: 'new\nline',
  requester: 'snow ☃ and \u0007',
  tags: ['tab\there', 'emoji 🚀'],
  costUsd: 0.1 + 0.2,
  inputTokens: 3,
  latencyMs: 1e6,
  timeToFirstByteMs: 0,
});

/** A pack as `JSON.stringify` spells its entries' arrays (what the stores wrote before spelling them by hand). */
function packByStringify(sums: ReadonlyMap<string, FullMeasures>): string {
  // A histogram of one call is its bucket's index alone.
  const pairs = (measures: FullMeasures, offset: number) => {
    const listed = measures.slice(offset, offset + 16).flatMap((count, index) => (count === 0 ? [] : [[index, count]]));
    return listed.length === 1 && listed[0]![1] === 1 ? listed[0]![0] : listed;
  };
  const routing = spendMeasureCount + 32;
  return JSON.stringify(
    [...sums].map(([key, measures]) => [
      key,
      ...measures.slice(0, spendMeasureCount),
      pairs(measures, spendMeasureCount),
      pairs(measures, spendMeasureCount + 16),
      ...measures.slice(routing, routing + 4),
      pairs(measures, routing + 4),
      pairs(measures, routing + 20),
      // The billed measures, only where a row reported a billed cost.
      ...(measures[routing + 37] === 0 ? [] : measures.slice(routing + 36, routing + 38)),
    ]),
  );
}

/** The stores' use of `BucketSumsAggregation`: every pack of the window added, then the groups. */
function aggregatePacks(packs: readonly BucketSums[], query: RollupQuery): RollupGroup[] {
  const aggregation = new BucketSumsAggregation(query);
  for (const pack of packs) aggregation.add(pack);
  return aggregation.result();
}

const query = (overrides: Partial<RollupQuery>): RollupQuery => ({ table: 'minute', from: base, to: base + hour, filters: {}, by: [], ...overrides });

describe('rollup packs', () => {
  it('keys a row by its thirteen dimensions exactly as the other shapes key theirs', () => {
    for (const row of [...rows, awkward, awkward]) {
      const [entry] = aggregateRollups([row], 'minute', 'full');
      const { key, quoted } = fullDimensionsKeyOf(row);
      expect(key).toBe(dimensionsKeyOf(entry!.dimensions, dimensionColumnsOf('full').map((column) => column.field)));
      expect(quoted).toBe(JSON.stringify(key));
    }
  });

  it('packs a batch per minute, one entry per combination, and reads back every measure', () => {
    const packs = bucketSumsOf(rows, 'minute');
    expect(packs.map((pack) => pack.bucketStart)).toEqual([base, base + minute, base + 2 * minute]);
    const first = new Map<string, FullMeasures>();
    addBucketSums(packs[0]!.sums, first);
    // p1 and p2 share every dimension (their tags are the same set): one entry.
    expect(first.size).toBe(1);
    const [measures] = [...first.values()];
    expect(measures!.slice(0, spendMeasureCount)).toEqual([2, 0, 0, 0, 30, rows[0]!.outputTokens * 2, 0, 0, 0, 3, 0, base + 10]);
    const latency = measures!.slice(spendMeasureCount, spendMeasureCount + 16);
    expect(latency[latencyBucketOf(120)]).toBe(1);
    expect(latency[latencyBucketOf(900)]).toBe(1);
    expect(latency.reduce((sum, count) => sum + count, 0)).toBe(2);
    // One time to first byte (p2 streamed nothing).
    expect(measures!.slice(spendMeasureCount + 16, spendMeasureCount + 32).reduce((sum, count) => sum + count, 0)).toBe(1);
  });

  it('spells packs as JSON.stringify spells their entries, for one row and for sums of several', () => {
    for (const row of [...rows, awkward]) {
      const [single] = bucketSumsOf([row], 'minute');
      const summed = new Map<string, FullMeasures>();
      addBucketSums(single!.sums, summed);
      expect(single!.sums).toBe(packByStringify(summed));
      expect(encodeBucketSums(summed)).toBe(single!.sums);
    }
    // p1 and p2 summed in one entry, and the awkward row twice in its own.
    for (const pack of bucketSumsOf([...rows, awkward, { ...awkward, id: 'p6', latencyMs: 5 }], 'minute')) {
      const summed = new Map<string, FullMeasures>();
      addBucketSums(pack.sums, summed);
      expect(pack.sums).toBe(packByStringify(summed));
    }
  });

  it('keeps what upstreams billed and how many rows reported it; an entry no upstream billed ends at the throughput', () => {
    for (const row of billedRows) {
      const [single] = bucketSumsOf([row], 'minute');
      const summed = new Map<string, FullMeasures>();
      addBucketSums(single!.sums, summed);
      expect(single!.sums).toBe(packByStringify(summed));
      expect(encodeBucketSums(summed)).toBe(single!.sums);
      expect((JSON.parse(single!.sums) as unknown[][])[0]).toHaveLength(row.billedCostUsd === null ? 1 + spendMeasureCount + 8 : 1 + spendMeasureCount + 10);
    }
    const [pack] = bucketSumsOf(billedRows, 'minute');
    const summed = new Map<string, FullMeasures>();
    addBucketSums(pack!.sums, summed);
    expect(pack!.sums).toBe(packByStringify(summed));
    const [total] = aggregatePacks([pack!], query({}));
    expect(total!.measures).toMatchObject({ calls: 3, billedCostUsd: 0.25, billedCalls: 2 });
    const merged = new Map<string, FullMeasures>();
    for (const pack of bucketSumsOf(billedRows, 'hour')) addBucketSums(pack.sums, merged);
    const narrow = new NarrowShapeRows(narrowHourShapes).entries(base, merged);
    const billedOf = (shape: (typeof narrowHourShapes)[number]) => {
      const names = storedMeasureColumnsOf(shape).map((column) => column.name);
      const [entry] = narrow.get(shape)!;
      return [entry!.measures[names.indexOf('billed_cost_usd')], entry!.measures[names.indexOf('billed_calls')]];
    };
    for (const shape of narrowHourShapes) expect(billedOf(shape), shape).toEqual([0.25, 2]);
  });

  it('reads a one-call histogram spelt as pairs (packs written before) as the same sums', () => {
    for (const row of [...rows, awkward]) {
      const [pack] = bucketSumsOf([row], 'minute');
      const entries = JSON.parse(pack!.sums) as unknown[][];
      const histogramPositions = [spendMeasureCount + 1, spendMeasureCount + 2, spendMeasureCount + 7, spendMeasureCount + 8];
      const before = entries.map((entry) => entry.map((value, position) => (histogramPositions.includes(position) && typeof value === 'number' ? [[value, 1]] : value)));
      expect(JSON.stringify(before)).not.toBe(pack!.sums);
      const fromBefore = new Map<string, FullMeasures>();
      addBucketSums(JSON.stringify(before), fromBefore);
      const fromNow = new Map<string, FullMeasures>();
      addBucketSums(pack!.sums, fromNow);
      expect(fromBefore).toEqual(fromNow);
    }
  });

  it('merges packs by combination and encodes the sum back to the same text', () => {
    const merged = new Map<string, FullMeasures>();
    for (const pack of bucketSumsOf(rows, 'minute')) addBucketSums(pack.sums, merged);
    for (const pack of bucketSumsOf(rows, 'minute')) addBucketSums(pack.sums, merged);
    const again = new Map<string, FullMeasures>();
    addBucketSums(encodeBucketSums(merged), again);
    expect(again).toEqual(merged);
    expect([...merged.values()].reduce((sum, measures) => sum + measures[0]!, 0)).toBe(8);
  });

  it('answers filtered, grouped and bucketed queries as the SQL tables do', () => {
    const packs = bucketSumsOf(rows, 'minute');
    const byKey = aggregatePacks(packs, query({ by: ['key'] }));
    expect(byKey.map((group) => [group.values.key, group.measures.calls, group.measures.costUsd]).sort()).toEqual([
      ['key_a', 2, 3],
      ['key_b', 2, 0],
    ]);
    const tagged = aggregatePacks(packs, query({ filters: { tag: 'a' }, by: ['team', 'cached'] }));
    expect(tagged).toEqual([expect.objectContaining({ values: { team: 'red', cached: false }, measures: expect.objectContaining({ calls: 2, inputTokens: 30 }) })]);
    const errors = aggregatePacks(packs, query({ filters: { key: 'key_b' }, by: ['status_code', 'error_code'], histograms: true }));
    const failed = errors.find((group) => group.values.status_code === 502)!;
    expect(failed.values.error_code).toBe('upstream_error');
    expect(failed.latencyHistogram).toHaveLength(16);
    const perMinute = aggregatePacks(packs, query({ bucketMs: minute }));
    expect(perMinute.map((group) => [group.bucketStart, group.measures.calls])).toEqual([
      [base, 2],
      [base + minute, 1],
      [base + 2 * minute, 1],
    ]);
    const saved = aggregatePacks(packs, query({ filters: { provider: 'anthropic' } }));
    expect(saved[0]!.measures).toMatchObject({ calls: 1, cacheHits: 1, savedUsd: 0.5 });
    expect(aggregatePacks(packs, query({ filters: { requester: 'nobody' } }))).toEqual([]);
  });

  it('sums a bucket in every narrow shape, histograms only where kept', () => {
    const merged = new Map<string, FullMeasures>();
    for (const pack of bucketSumsOf(rows, 'hour')) addBucketSums(pack.sums, merged);
    const narrow = new NarrowShapeRows(narrowHourShapes, 2).entries(base, merged);
    expect(narrow.get('model')!.map((entry) => [entry.dimensions.model, entry.measures[0]]).sort()).toEqual([
      ['claude-haiku-4-5', 1],
      ['gpt-4o-mini', 3],
    ]);
    expect(narrow.get('identity')!.map((entry) => entry.dimensionsKey).sort()).toEqual([JSON.stringify(['key_a', null, 'red']), JSON.stringify(['key_b', null, null])].sort());
    // The spend measures, the routing ones and the billed ones.
    expect(narrow.get('spend')![0]!.measures).toHaveLength(spendMeasureCount + 4 + 2);
    expect(narrow.get('activity')![0]!.measures.length).toBeGreaterThan(spendMeasureCount);
    // The same sums again, the remembered combinations overflowing the (tiny) limit: the same answer.
    const again = new NarrowShapeRows(narrowHourShapes, 2);
    again.entries(base, merged);
    expect(again.entries(base, merged)).toEqual(narrow);
  });
});
