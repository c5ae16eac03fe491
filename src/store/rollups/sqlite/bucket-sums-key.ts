/**
 * SQLite keys a pack by one integer, its rowid: `bucket_start * 2^packKeyBits + n`, n counting the packs of
 * the bucket from 0. A rowid table writes one page per batch of one pack where a table keyed by
 * `(bucket_start, seq)` (WITHOUT ROWID) wrote two, and at one row a batch (the writer's usual size) that
 * page was about a quarter of what the rollups cost it (+35% → +27%). 2^20 packs a bucket is a million
 * batches in a minute.
 */
export const packKeyBits = 20;

const scale = 2 ** packKeyBits;

/**
 * The first key of a bucket's packs (SQL, from a bucket-start expression). In integers: a parameter is bound
 * as a real, and a key is past 2^53, where a real no longer holds every integer.
 */
export function firstPackKey(bucketStart: string): string {
  return `(CAST(${bucketStart} AS INTEGER) * ${scale})`;
}

/** A key's bucket start (SQL, from a key expression). */
export function bucketOfPackKey(key: string): string {
  return `(${key} >> ${packKeyBits})`;
}
