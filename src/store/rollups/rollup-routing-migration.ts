import {
  dimensionColumnsOf,
  keepsHistograms,
  routingHistogramMeasureColumns,
  routingMeasureColumns,
  rollupMeasureColumns,
  rollupTables,
  type CompactedTableName,
} from './rollup-columns.js';
import type { RollupSyntax } from './rollup-migration.js';

/** The narrow tables that existed before the routing migration (released: this list never grows). */
const narrowTablesBefore: readonly CompactedTableName[] = ['hourSpend', 'daySpend', 'hourIdentity', 'dayIdentity', 'hourModel', 'dayModel', 'hourActivity', 'dayActivity'];

/** The tables the routing migration created. */
const routingTables: readonly CompactedTableName[] = ['hourRouting', 'dayRouting'];

/**
 * Routing in the rollups: the routing measures (and, where histograms are kept, the gateway-overhead and
 * throughput histograms) added to every narrow table, and the routing shape's hour and day tables (group,
 * provider, model). Packs need no migration: their entries gain the measures at their end. Nothing is
 * back-filled: sums written before count no attempts, retries, fallbacks or upstream time, and the routing
 * tables start empty (windows before the migration show no routing).
 */
export function rollupRoutingMigrationSql(syntax: RollupSyntax): string {
  const statements: string[] = [];
  for (const name of narrowTablesBefore) {
    const table = rollupTables[name];
    const added = keepsHistograms(table.shape) ? [...routingMeasureColumns, ...routingHistogramMeasureColumns] : routingMeasureColumns;
    for (const column of added) statements.push(`ALTER TABLE ${table.name} ADD COLUMN ${column.name} ${syntax.measureType[column.kind]} NOT NULL DEFAULT 0;`);
  }
  for (const name of routingTables) {
    const table = rollupTables[name];
    statements.push(
      `CREATE TABLE ${table.name} (\n    ${[
        `bucket_start ${syntax.measureType['big-integer']} NOT NULL`,
        'dims TEXT NOT NULL',
        ...dimensionColumnsOf(table.shape).map((column) => syntax.columnDefinition(column, 'create')),
        // Spelt out rather than `storedMeasureColumnsOf`, which later migrations may extend.
        ...[...rollupMeasureColumns, ...routingMeasureColumns, ...routingHistogramMeasureColumns].map((column) => `${column.name} ${syntax.measureType[column.kind]} NOT NULL DEFAULT 0`),
        'PRIMARY KEY (bucket_start, dims)',
      ].join(',\n    ')}\n  )${syntax.keyedSuffix};`,
    );
  }
  return statements.join('\n  ');
}
