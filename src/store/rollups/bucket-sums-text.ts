import { fullMeasureOffsets, latencyBucketBoundsMs, latencyBucketOf, spendMeasureCount } from './rollup-columns.js';
import type { UsageRow } from '../../domain/usage-row.js';
import { routingMeasuresOf } from './routing-measures.js';

/**
 * Spells pack entries as text (the format is in bucket-sums.ts) without building the arrays
 * `JSON.stringify` would walk: the usage writer spells one for nearly every row it writes, and this is
 * about twice as fast. The text is the same as `JSON.stringify` gives for the entry's array; the unit tests
 * compare the two.
 */

const bucketCount = latencyBucketBoundsMs.length;
const { latency: latencyOffset, ttfb: ttfbOffset, routing: routingOffset, overhead: overheadOffset, throughput: throughputOffset, billed: billedOffset } =
  fullMeasureOffsets;

/** A number as JSON spells it (non-finite numbers are null). */
function numberText(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/**
 * A histogram's non-empty buckets as `[[index,count],…]`, or, when it holds one call (as nearly every
 * minute entry does), as that call's bucket index alone.
 */
function pairsText(measures: readonly number[], offset: number): string {
  let text = '[';
  let single = -1;
  let nonEmpty = 0;
  for (let index = 0; index < bucketCount; index++) {
    const count = measures[offset + index]!;
    if (count === 0) continue;
    nonEmpty++;
    if (count === 1) single = index;
    text += `${text.length > 1 ? ',' : ''}[${index},${numberText(count)}]`;
  }
  return nonEmpty === 1 && single >= 0 ? singleCallText[single]! : `${text}]`;
}

/** A one-call histogram's text per bucket. */
const singleCallText: readonly string[] = Array.from({ length: bucketCount }, (_unused, index) => String(index));

/** A one-call histogram's text, or an empty one's for a bucket below 0 (no value). */
function singleOrEmptyText(bucket: number): string {
  return bucket < 0 ? '[]' : singleCallText[bucket]!;
}

/** An entry of a sum: `quotedKey` is the combination's key as a JSON string (quoted and escaped). */
export function sumEntryText(quotedKey: string, measures: readonly number[]): string {
  let text = `[${quotedKey}`;
  for (let index = 0; index < spendMeasureCount; index++) text += `,${numberText(measures[index]!)}`;
  text += `,${pairsText(measures, latencyOffset)},${pairsText(measures, ttfbOffset)}`;
  for (let index = routingOffset; index < overheadOffset; index++) text += `,${numberText(measures[index]!)}`;
  text += `,${pairsText(measures, overheadOffset)},${pairsText(measures, throughputOffset)}`;
  // An entry no upstream billed ends at the throughput: its billed measures are 0.
  const billedCalls = measures[billedOffset + 1]!;
  return billedCalls === 0 ? `${text}]` : `${text},${numberText(measures[billedOffset]!)},${numberText(billedCalls)}]`;
}

/** The entry of a sum of one row, spelt straight from the row (as `sumEntryText` spells it once `addRow` has summed it). */
export function rowEntryText(quotedKey: string, row: UsageRow): string {
  const cached = row.cached;
  const ttfb = row.timeToFirstByteMs === null ? '[]' : singleCallText[latencyBucketOf(row.timeToFirstByteMs)]!;
  const routing = routingMeasuresOf(row);
  const overhead = singleOrEmptyText(routing.overheadBucket);
  const throughput = singleOrEmptyText(routing.throughputBucket);
  return (
    `[${quotedKey},1,${row.outcome === 'error' ? 1 : 0},${row.outcome === 'cancelled' ? 1 : 0},${cached ? 1 : 0},` +
    `${numberText(row.inputTokens)},${numberText(row.outputTokens)},${numberText(row.cacheReadTokens)},${numberText(row.cacheWriteTokens)},` +
    `${numberText(row.reasoningTokens)},${numberText(0 + (row.costUsd ?? 0))},${numberText(cached ? 0 + (row.savedCostUsd ?? 0) : 0)},` +
    `${numberText(Math.max(0, row.createdAt))},${singleCallText[latencyBucketOf(row.latencyMs)]!},${ttfb},` +
    `${numberText(routing.attempts)},${numberText(routing.retries)},${numberText(routing.fallbacks)},${numberText(0 + routing.upstreamMs)},${overhead},${throughput}` +
    (row.billedCostUsd === null ? ']' : `,${numberText(0 + row.billedCostUsd)},1]`)
  );
}
