import { dimensionColumnsOf, measureColumnsOf, rollupDimsTable, rollupTables, type CompactedTableName, type RollupTable } from './rollup-columns.js';
import type { RollupSyntax } from './rollup-migration.js';

/** The full-shape rollups: their sums move to `sums` tables keyed by dims id; `name` becomes a view. */
const fullTables: ReadonlyArray<RollupTable & { sums: string }> = [rollupTables.minute, rollupTables.hour, rollupTables.day];

/** How one database spells the parts of this migration that differ. */
export interface RollupDimsSyntax {
  /** The dictionary's id column, assigned on insert. */
  idColumn: string;
  /** The minute sums' own columns, constraints, table suffix and statements after it (see `RollupSyntax.minuteTable`). */
  minuteSums: { columns: string[]; constraints: string[]; suffix: string; after: string[] };
  /** What the minute sums' own columns take from the old minute table (aliased `m`). */
  minuteValues: string[];
}

/**
 * The migration that interns the full shape's dimensions. Full-shape rollups hold thirteen dimensions,
 * requesters and tag lists among them, so on a gateway whose calls are spread over many keys, models and
 * end users nearly every row of a batch is a combination of its own: writing each minute sum with its
 * dimensions cost the usage writer as much again as the rows, and compacting hours grouped by thirteen
 * columns. Now each combination is written once to `usage_rollup_dims` (`dims` is its key, as the keyed
 * tables spell it) and the sums point to it by id: the writer appends a few integers, compaction groups by
 * `(bucket, dims_id)`, and readers keep their queries, on views of the old names joining the two.
 */
export function rollupDimsMigrationSql(syntax: RollupSyntax, dims: RollupDimsSyntax): string {
  const dimensions = dimensionColumnsOf('full').map((column) => column.name);
  const measures = measureColumnsOf('full').map((column) => column.name);
  const measureDefinitions = measureColumnsOf('full').map((column) => `${column.name} ${syntax.measureType[column.kind]} NOT NULL DEFAULT 0`);
  const bigInteger = syntax.measureType['big-integer'];
  const statements: string[] = [
    `CREATE TABLE ${rollupDimsTable} (\n    ${[
      dims.idColumn,
      'dims TEXT NOT NULL UNIQUE',
      ...dimensionColumnsOf('full').map((column) => syntax.columnDefinition(column, 'create')),
    ].join(',\n    ')}\n  );`,
    `INSERT INTO ${rollupDimsTable} (dims, ${dimensions.join(', ')})
    SELECT ${syntax.dimensionsKey(dimensions.join(', '))}, ${dimensions.join(', ')} FROM (${fullTables.map((table) => `SELECT ${dimensions.join(', ')} FROM ${table.name}`).join(' UNION ')}) AS combinations;`,
  ];
  const minute = rollupTables.minute;
  statements.push(
    `CREATE TABLE ${minute.sums} (\n    ${[
      `bucket_start ${bigInteger} NOT NULL`,
      ...dims.minuteSums.columns,
      `dims_id ${bigInteger} NOT NULL`,
      ...measureDefinitions,
      ...dims.minuteSums.constraints,
    ].join(',\n    ')}\n  )${dims.minuteSums.suffix};`,
    ...dims.minuteSums.after,
    `INSERT INTO ${minute.sums} (bucket_start, ${[...dims.minuteSums.columns.map((column) => column.split(' ')[0]!), 'dims_id', ...measures].join(', ')})
    SELECT m.bucket_start, ${[...dims.minuteValues, 'd.id', ...measures.map((name) => `m.${name}`)].join(', ')}
    FROM ${minute.name} AS m JOIN ${rollupDimsTable} AS d ON d.dims = ${syntax.dimensionsKey(dimensions.map((name) => `m.${name}`).join(', '))};`,
  );
  for (const table of [rollupTables.hour, rollupTables.day]) {
    statements.push(
      `CREATE TABLE ${table.sums} (\n    ${[`bucket_start ${bigInteger} NOT NULL`, `dims_id ${bigInteger} NOT NULL`, ...measureDefinitions, 'PRIMARY KEY (bucket_start, dims_id)'].join(',\n    ')}\n  )${syntax.keyedSuffix};`,
      // The keyed tables' `dims` is the dictionary's key already.
      `INSERT INTO ${table.sums} (bucket_start, dims_id, ${measures.join(', ')})
    SELECT h.bucket_start, d.id, ${measures.map((name) => `h.${name}`).join(', ')} FROM ${table.name} AS h JOIN ${rollupDimsTable} AS d ON d.dims = h.dims;`,
    );
  }
  for (const table of fullTables) {
    statements.push(
      `DROP TABLE ${table.name};`,
      `CREATE VIEW ${table.name} AS SELECT s.bucket_start, ${[...dimensions.map((name) => `d.${name}`), ...measures.map((name) => `s.${name}`)].join(', ')}
    FROM ${table.sums} AS s JOIN ${rollupDimsTable} AS d ON d.id = s.dims_id;`,
    );
  }
  return statements.join('\n  ');
}

/** The identity, model and activity tables, each back-filled from the spend (or full) table of its granularity. */
const narrowTables: ReadonlyArray<[CompactedTableName, CompactedTableName]> = [
  ['hourIdentity', 'hourSpend'],
  ['dayIdentity', 'daySpend'],
  ['hourModel', 'hourSpend'],
  ['dayModel', 'daySpend'],
  ['hourActivity', 'hour'],
  ['dayActivity', 'day'],
];

/** The migration that adds the identity, model and activity shapes (see `RollupShape`), back-filled from the wider ones. */
export function rollupNarrowShapesSql(syntax: RollupSyntax): string {
  const statements: string[] = [];
  for (const [name, sourceName] of narrowTables) {
    const table = rollupTables[name];
    const dimensions = dimensionColumnsOf(table.shape);
    const measures = measureColumnsOf(table.shape);
    statements.push(
      `CREATE TABLE ${table.name} (\n    ${[
        `bucket_start ${syntax.measureType['big-integer']} NOT NULL`,
        'dims TEXT NOT NULL',
        ...dimensions.map((column) => syntax.columnDefinition(column, 'create')),
        ...measures.map((column) => `${column.name} ${syntax.measureType[column.kind]} NOT NULL DEFAULT 0`),
        'PRIMARY KEY (bucket_start, dims)',
      ].join(',\n    ')}\n  )${syntax.keyedSuffix};`,
      `INSERT INTO ${table.name} (bucket_start, dims, ${[...dimensions, ...measures].map((column) => column.name).join(', ')})
    SELECT bucket_start, ${syntax.dimensionsKey(dimensions.map((column) => column.name).join(', '))}, ${[
      ...dimensions.map((column) => column.name),
      ...measures.map((column) => (column.merge === 'max' ? `MAX(${column.name})` : `SUM(${column.name})`)),
    ].join(', ')}
    FROM ${rollupTables[sourceName].name} GROUP BY bucket_start, ${dimensions.map((column) => column.name).join(', ')};`,
    );
  }
  return statements.join('\n  ');
}
