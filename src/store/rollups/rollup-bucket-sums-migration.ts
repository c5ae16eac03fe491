import { dimensionColumnsOf, latencyHistogramColumns, measureColumnsOf, rollupDimsTable, rollupTables, spendMeasureCount, ttfbHistogramColumns } from './rollup-columns.js';

/** How one database spells the parts of the packs migration that differ. */
export interface RollupPacksSyntax {
  /** A packs table's columns and key (each database keys its packs its own way, see the stores). */
  packsColumns: readonly string[];
  /** The key columns of a packs table and what a bucket's one migrated pack gets in them, from `bucket_start`. */
  packKey: { columns: readonly string[]; values: readonly string[] };
  /**
   * A sum as a pack entry (see bucket-sums.ts), from its columns: the dimensions' JSON as a string, the
   * measures, and the `[index, count]` pairs of the histograms' non-empty buckets.
   */
  entry(columns: { dimensions: readonly string[]; measures: readonly string[]; latency: readonly string[]; ttfb: readonly string[] }): string;
  /** The JSON list of a bucket's entries (`GROUP BY bucket_start`), as text. */
  pack(entry: string): string;
}

const packedTables = [rollupTables.minute, rollupTables.hour, rollupTables.day];

/**
 * The migration that packs the full-shape rollups (see bucket-sums.ts): each bucket's sums, read from the
 * views migration 11 made, become one pack; then the views, the sums tables and the dictionary of
 * combinations are dropped. Numbers keep their values; a database's JSON may spell a combination's key with
 * other spaces than JS does, which readers do not mind (they parse it).
 */
export function rollupPacksMigrationSql(packs: RollupPacksSyntax): string {
  const dimensions = dimensionColumnsOf('full').map((column) => column.name);
  const spendMeasures = measureColumnsOf('full').slice(0, spendMeasureCount).map((column) => column.name);
  const entry = packs.entry({ dimensions, measures: spendMeasures, latency: latencyHistogramColumns, ttfb: ttfbHistogramColumns });
  const statements: string[] = [];
  for (const table of packedTables) {
    statements.push(
      `CREATE TABLE ${table.packs} (\n    ${packs.packsColumns.join(',\n    ')}\n  );`,
      `INSERT INTO ${table.packs} (${[...packs.packKey.columns, 'sums'].join(', ')})
    SELECT ${packs.packKey.values.join(', ')}, ${packs.pack('entry')} FROM (SELECT bucket_start, ${entry} AS entry FROM ${table.name}) AS entries GROUP BY bucket_start;`,
    );
  }
  for (const table of packedTables) statements.push(`DROP VIEW ${table.name};`, `DROP TABLE ${table.sums};`);
  statements.push(`DROP TABLE ${rollupDimsTable};`);
  return statements.join('\n  ');
}
