import type pg from 'pg';
import { addBucketSums, type FullMeasures, type BucketSums } from '../bucket-sums.js';
import { randomSequence } from '../rollup-batch.js';
import { rollupTables, type PackedTableName } from '../rollup-columns.js';
import type { BucketRange } from '../rollup-tables-port.js';

type Row = Record<string, unknown>;

/**
 * Appends packs to a full-shape table: a row of parameters each, so a pack's text (kilobytes of quotes and
 * backslashes) goes as it is, not escaped into an array literal.
 */
export function packsAppend(table: PackedTableName, packs: readonly BucketSums[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = packs.map((pack) => {
    values.push(pack.bucketStart, randomSequence(), pack.sums);
    return `($${values.length - 2}::bigint, $${values.length - 1}::bigint, $${values.length}::text)`;
  });
  return { text: `INSERT INTO ${rollupTables[table].packs} (bucket_start, seq, sums) VALUES ${tuples.join(', ')}`, values };
}

/**
 * Buckets of packs read at a time (keyset pages): a day's packs on a busy gateway are megabytes, a
 * minute's a few kilobytes, and a window may span thousands of minutes.
 */
const packPageRows: Record<PackedTableName, number> = { minute: 240, hour: 48, day: 4 };

/**
 * Reads a table's packs in `[from, to)` a page of buckets at a time (`packPageRows`), each bucket's packs
 * joined into one (see the SQLite side's `joinedPerBucket`), handing each page to `use`.
 */
export async function eachPackPage(
  run: (page: { text: string; values: unknown[] }) => Promise<pg.QueryResult<Row>>,
  table: PackedTableName,
  from: number,
  to: number,
  use: (page: BucketSums[]) => void,
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

/** The sums of a table's packs in a range, by combination. */
export async function summedPacks(client: pg.PoolClient, table: PackedTableName, range: BucketRange): Promise<Map<string, FullMeasures>> {
  const sums = new Map<string, FullMeasures>();
  await eachPackPage((page) => client.query<Row>(page.text, page.values), table, range.from, range.to, (page) => {
    for (const pack of page) addBucketSums(pack.sums, sums);
  });
  return sums;
}
