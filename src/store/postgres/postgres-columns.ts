import type { ColumnDescription, ColumnKind } from '../usage-columns.js';

const postgresTypes: Record<ColumnKind, string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  'big-integer': 'BIGINT',
  real: 'DOUBLE PRECISION',
  boolean: 'BOOLEAN',
  'string-list': 'TEXT',
  json: 'TEXT',
};

/** What an added NOT NULL column holds in rows written before it existed. */
const postgresDefaults: Partial<Record<ColumnKind, string>> = {
  integer: '0',
  'big-integer': '0',
  real: '0',
  boolean: 'FALSE',
  'string-list': "'[]'",
};

/** The type name of a kind, also for `unnest($1::type[])` casts. */
export function postgresType(kind: ColumnKind): string {
  return postgresTypes[kind];
}

/**
 * `name TYPE [NOT NULL …]`. A column added to an existing table (`use: 'add'`) and NOT NULL gets a default,
 * which is what the rows written before it hold.
 */
export function postgresColumnDefinition(column: ColumnDescription<string>, use: 'create' | 'add'): string {
  const type = postgresTypes[column.kind];
  if (column.nullable) return `${column.name} ${type}`;
  if (use === 'create') return `${column.name} ${type} NOT NULL`;
  const fallback = column.addedDefault ?? postgresDefaults[column.kind];
  if (fallback === undefined) throw new Error(`column ${column.name}: a NOT NULL ${column.kind} column needs a default to be added`);
  return `${column.name} ${type} NOT NULL DEFAULT ${fallback}`;
}

/** A missing field is stored as NULL, so a row without a required one is refused as invalid (and dropped alone), never retried forever. */
export function toPostgresValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'text') return postgresText(value as string);
  if (kind === 'string-list' || kind === 'json') return JSON.stringify(value);
  return value;
}

export function fromPostgresValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'text':
      return String(value);
    case 'integer':
    case 'big-integer':
    case 'real':
      return Number(value);
    case 'boolean':
      return value === true;
    case 'string-list':
      return JSON.parse(String(value)) as string[];
    case 'json':
      return JSON.parse(String(value)) as unknown;
    default: {
      const _exhaustive: never = kind;
      return _exhaustive;
    }
  }
}

/**
 * PostgreSQL text cannot hold U+0000, and a caller can put one in a model name or requester: the insert
 * would fail, and with it the whole batch. Such a character is stored as U+FFFD instead.
 */
function postgresText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}
