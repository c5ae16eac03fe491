import { billedMeasureColumns, rollupTables, type CompactedTableName } from './rollup-columns.js';
import type { RollupSyntax } from './rollup-migration.js';

/** The narrow tables that existed before the billed-cost migration (released: this list never grows). */
const narrowTablesBefore: readonly CompactedTableName[] = [
  'hourSpend',
  'daySpend',
  'hourIdentity',
  'dayIdentity',
  'hourModel',
  'dayModel',
  'hourActivity',
  'dayActivity',
  'hourRouting',
  'dayRouting',
];

/**
 * What upstreams billed, in the rollups: `billed_cost_usd` and `billed_calls` added to every narrow table.
 * Packs need no migration: an entry gains them at its end when a row in it was billed. Nothing is
 * back-filled (the rows' `billed_cost_usd` column is as new): sums written before count no billed calls, so
 * windows before the migration report no billed cost.
 */
export function rollupBilledMigrationSql(syntax: RollupSyntax): string {
  const statements: string[] = [];
  for (const name of narrowTablesBefore) {
    // Spelt out rather than from `storedMeasureColumnsOf`, which later migrations may extend.
    for (const column of billedMeasureColumns) statements.push(`ALTER TABLE ${rollupTables[name].name} ADD COLUMN ${column.name} ${syntax.measureType[column.kind]} NOT NULL DEFAULT 0;`);
  }
  return statements.join('\n  ');
}
