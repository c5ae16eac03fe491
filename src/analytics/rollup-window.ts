import { minuteRollupRetentionMs } from '../store/rollups/rollup-migration.js';
import { rollupBucketMs, rollupGranularities, type RollupGranularity } from '../store/rollups/rollup-columns.js';

const minuteMs = rollupBucketMs.minute;
const hourMs = rollupBucketMs.hour;

export const floorTo = (time: number, size: number): number => time - (((time % size) + size) % size);
export const ceilTo = (time: number, size: number): number => floorTo(time + size - 1, size);

/**
 * The oldest time minute rollups are sure to cover: they are pruned past their retention, and the hour
 * after that edge is left out so a pass running meanwhile never leaves a window short.
 */
export function minuteHorizon(now: number): number {
  return ceilTo(now - minuteRollupRetentionMs, hourMs) + hourMs;
}

/**
 * The window the rollups can answer exactly: edges on whole minutes (the start down, the end up, so every
 * call in the asked window counts), and edges older than the minute rollups on whole hours.
 */
export function alignWindow(from: number, to: number, now: number): { from: number; to: number } {
  const horizon = minuteHorizon(now);
  let alignedFrom = floorTo(from, minuteMs);
  let alignedTo = ceilTo(to, minuteMs);
  if (alignedFrom < horizon) alignedFrom = floorTo(alignedFrom, hourMs);
  if (alignedTo < horizon) alignedTo = ceilTo(alignedTo, hourMs);
  return { from: alignedFrom, to: alignedTo };
}

/** The coarsest rollup whose buckets fit a time bucket of this size (a timeseries' `bucket`). */
export function coarsestFor(bucketMs: number): RollupGranularity {
  if (bucketMs % rollupBucketMs.day === 0) return 'day';
  if (bucketMs % hourMs === 0) return 'hour';
  return 'minute';
}

export interface WindowPiece {
  granularity: RollupGranularity;
  from: number;
  to: number;
}

/**
 * An aligned window in as few rollup rows as possible: before the compaction mark, whole days from the day
 * tables, the hours around them from the hour tables, the minutes at the edges from the minute table; from
 * the mark on (the hour in progress, usually), minutes.
 */
export function windowPieces(from: number, to: number, compactedUntil: number, coarsest: RollupGranularity = 'day'): WindowPiece[] {
  const compacted = compactedPieces(from, Math.min(to, compactedUntil), coarsest);
  const start = Math.max(from, compactedUntil);
  return start < to ? [...compacted, { granularity: 'minute', from: start, to }] : compacted;
}

function compactedPieces(from: number, to: number, coarsest: RollupGranularity): WindowPiece[] {
  const granularities = rollupGranularities.slice(rollupGranularities.indexOf(coarsest));
  const split = (start: number, end: number, level: number): WindowPiece[] => {
    if (start >= end) return [];
    const granularity = granularities[level]!;
    if (level === granularities.length - 1) return [{ granularity, from: start, to: end }];
    const size = rollupBucketMs[granularity];
    const wholeFrom = ceilTo(start, size);
    const wholeTo = floorTo(end, size);
    if (wholeFrom >= wholeTo) return split(start, end, level + 1);
    return [...split(start, wholeFrom, level + 1), { granularity, from: wholeFrom, to: wholeTo }, ...split(wholeTo, end, level + 1)];
  };
  return split(from, to, 0);
}
