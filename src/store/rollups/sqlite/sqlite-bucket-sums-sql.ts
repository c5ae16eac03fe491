import type { BucketSums } from '../bucket-sums.js';
import { bucketOfPackKey, firstPackKey } from './bucket-sums-key.js';

/** The packs of `[from, to)` (two parameters) in key order, so by bucket: `[bucket, sums]`. */
export function packsInRange(packs: string): string {
  return `SELECT ${bucketOfPackKey('key')} AS bucket, sums FROM ${packs} WHERE key >= ${firstPackKey('?')} AND key < ${firstPackKey('?')} ORDER BY key`;
}

/**
 * Packs joined per bucket, from rows in bucket order: a window's edge may hold thousands of small packs (a
 * batch of a row or two each), and parsing each on its own cost three times what their entries do. Packs
 * are never empty, so the joined entries are JSON. (Joined here, not by GROUP BY in SQL: that sorts.)
 */
export function* joinedPerBucket(rows: Iterable<[number, string]>): Generator<BucketSums> {
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

/** Appends a pack (`@bucket`, `@sums`) as the next of its bucket (see bucket-sums-key.ts). */
export function packAppend(packs: string): string {
  return `INSERT INTO ${packs} (key, sums) VALUES ((SELECT COALESCE(MAX(key) + 1, ${firstPackKey('@bucket')}) FROM ${packs}
    WHERE key >= ${firstPackKey('@bucket')} AND key < ${firstPackKey('@bucket + 1')}), @sums)`;
}
