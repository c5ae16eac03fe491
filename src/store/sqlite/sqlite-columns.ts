import type { ColumnDescription, ColumnKind } from '../usage-columns.js';

/** SQLite has no boolean: 0 and 1 in an INTEGER column. JSON lists are TEXT. */
const sqliteTypes: Record<ColumnKind, string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  'big-integer': 'INTEGER',
  real: 'REAL',
  boolean: 'INTEGER',
  'string-list': 'TEXT',
  json: 'TEXT',
};

/** What an added NOT NULL column holds in rows written before it existed. */
const sqliteDefaults: Partial<Record<ColumnKind, string>> = {
  integer: '0',
  'big-integer': '0',
  real: '0',
  boolean: '0',
  'string-list': "'[]'",
};

/**
 * `name TYPE [NOT NULL …]`. A column added to an existing table (`use: 'add'`) and NOT NULL gets a default,
 * which is what the rows written before it hold.
 */
export function sqliteColumnDefinition(column: ColumnDescription<string>, use: 'create' | 'add'): string {
  const type = sqliteTypes[column.kind];
  if (column.nullable) return `${column.name} ${type}`;
  if (use === 'create') return `${column.name} ${type} NOT NULL`;
  const fallback = column.addedDefault ?? sqliteDefaults[column.kind];
  if (fallback === undefined) throw new Error(`column ${column.name}: a NOT NULL ${column.kind} column needs a default to be added`);
  return `${column.name} ${type} NOT NULL DEFAULT ${fallback}`;
}

/** A missing field is stored as NULL, so a row without a required one is refused as invalid (and dropped alone), never retried forever. */
export function toSqliteValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'boolean') return value === true ? 1 : 0;
  if (kind === 'string-list' || kind === 'json') return JSON.stringify(value);
  return value;
}

export function fromSqliteValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'boolean') return value === 1;
  if (kind === 'string-list') return JSON.parse(String(value)) as string[];
  if (kind === 'json') return JSON.parse(String(value)) as unknown;
  return value;
}
