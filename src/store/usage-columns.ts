import type { AttemptRecord } from '../domain/attempt-record.js';
import type { UsageRow } from '../domain/usage-row.js';

/**
 * How a value is stored. Each backend maps a kind to one SQL type and one conversion each way
 * (`sqlite/sqlite-columns.ts`, `postgres/postgres-columns.ts`).
 */
export type ColumnKind =
  /** A string. */
  | 'text'
  /** A number that fits 32 bits: a status code, an attempt count. */
  | 'integer'
  /** A whole number that may pass 32 bits: epoch milliseconds, token counts. */
  | 'big-integer'
  /** Milliseconds with a fraction, dollars. */
  | 'real'
  | 'boolean'
  /** A list of strings, stored as JSON text. */
  | 'string-list'
  /** A small object, stored as JSON text. */
  | 'json';

export interface ColumnDescription<Field extends string> {
  name: string;
  /** The record field it stores; that field's doc comment says what it means. */
  field: Field;
  kind: ColumnKind;
  nullable: boolean;
  /** What rows stored before a NOT NULL column was added hold, as an SQL literal (else the kind's own default). */
  addedDefault?: string;
}

/** Every field of a usage row except its attempts, which have a table of their own. */
export type StoredUsageField = Exclude<keyof UsageRow, 'attemptTrail' | 'pricingEpoch'>;

/**
 * The columns of `usage_rows`, described once: each store's insert, its row mapping and the migrations that
 * add a column follow from this list (the first table was written out by hand before it existed; a contract
 * test checks every store's table against it). A column is added, never renamed, retyped or removed: a
 * migration generated from an entry must keep producing the same text.
 */
export const usageColumns = [
  { name: 'id', field: 'id', kind: 'text', nullable: false },
  { name: 'created_at', field: 'createdAt', kind: 'big-integer', nullable: false },
  { name: 'key_id', field: 'keyId', kind: 'text', nullable: true },
  { name: 'user_name', field: 'userName', kind: 'text', nullable: true },
  { name: 'team_name', field: 'teamName', kind: 'text', nullable: true },
  { name: 'requester', field: 'requester', kind: 'text', nullable: true },
  { name: 'tags', field: 'tags', kind: 'string-list', nullable: false },
  { name: 'inbound_dialect', field: 'inboundDialect', kind: 'text', nullable: false },
  { name: 'provider', field: 'provider', kind: 'text', nullable: true },
  { name: 'requested_model', field: 'requestedModel', kind: 'text', nullable: true },
  { name: 'upstream_model', field: 'upstreamModel', kind: 'text', nullable: true },
  { name: 'reported_model', field: 'reportedModel', kind: 'text', nullable: true },
  { name: 'stream', field: 'stream', kind: 'boolean', nullable: false },
  { name: 'caller_provider_key', field: 'callerProviderKey', kind: 'boolean', nullable: false },
  { name: 'status_code', field: 'statusCode', kind: 'integer', nullable: false },
  { name: 'outcome', field: 'outcome', kind: 'text', nullable: false },
  { name: 'error_code', field: 'errorCode', kind: 'text', nullable: true },
  { name: 'input_tokens', field: 'inputTokens', kind: 'big-integer', nullable: false },
  { name: 'output_tokens', field: 'outputTokens', kind: 'big-integer', nullable: false },
  { name: 'cache_read_tokens', field: 'cacheReadTokens', kind: 'big-integer', nullable: false },
  { name: 'cache_write_tokens', field: 'cacheWriteTokens', kind: 'big-integer', nullable: false },
  { name: 'reasoning_tokens', field: 'reasoningTokens', kind: 'big-integer', nullable: false },
  { name: 'output_tokens_estimated', field: 'outputTokensEstimated', kind: 'boolean', nullable: false },
  { name: 'input_tokens_estimated', field: 'inputTokensEstimated', kind: 'boolean', nullable: false },
  { name: 'cached', field: 'cached', kind: 'boolean', nullable: false },
  { name: 'saved_cost_usd', field: 'savedCostUsd', kind: 'real', nullable: true },
  { name: 'cost_usd', field: 'costUsd', kind: 'real', nullable: true },
  { name: 'latency_ms', field: 'latencyMs', kind: 'real', nullable: false },
  { name: 'time_to_first_byte_ms', field: 'timeToFirstByteMs', kind: 'real', nullable: true },
  { name: 'group_name', field: 'groupName', kind: 'text', nullable: true },
  { name: 'policy', field: 'policy', kind: 'text', nullable: true },
  { name: 'attempts', field: 'attempts', kind: 'integer', nullable: false },
  { name: 'fallback', field: 'fallback', kind: 'boolean', nullable: false },
  { name: 'queue_wait_ms', field: 'queueWaitMs', kind: 'real', nullable: true },
  { name: 'price_source', field: 'priceSource', kind: 'text', nullable: true },
  { name: 'price_rates', field: 'priceRates', kind: 'json', nullable: true },
  { name: 'operation', field: 'operation', kind: 'text', nullable: false, addedDefault: "'chat'" },
  { name: 'image_count', field: 'imageCount', kind: 'integer', nullable: false },
  { name: 'image_tokens', field: 'imageTokens', kind: 'big-integer', nullable: false },
  { name: 'billed_cost_usd', field: 'billedCostUsd', kind: 'real', nullable: true },
  { name: 'run_id', field: 'runId', kind: 'text', nullable: true },
  { name: 'trial_id', field: 'trialId', kind: 'text', nullable: true },
] as const satisfies ReadonlyArray<ColumnDescription<StoredUsageField>>;

// A usage field without a column fails to compile here.
const _everyUsageFieldDescribed: [Exclude<StoredUsageField, (typeof usageColumns)[number]['field']>] extends [never] ? true : false = true;

/**
 * The columns of `usage_attempts` that hold an `AttemptRecord`; beside them each row has `usage_id` (the
 * usage row's id) and `attempt_index` (0 for the first attempt), its key.
 */
export const attemptColumns = [
  { name: 'target', field: 'target', kind: 'text', nullable: false },
  { name: 'provider', field: 'provider', kind: 'text', nullable: false },
  { name: 'model', field: 'model', kind: 'text', nullable: false },
  { name: 'status_code', field: 'statusCode', kind: 'integer', nullable: true },
  { name: 'error_code', field: 'errorCode', kind: 'text', nullable: true },
  { name: 'retry_after_ms', field: 'retryAfterMs', kind: 'real', nullable: true },
  { name: 'time_to_first_byte_ms', field: 'timeToFirstByteMs', kind: 'real', nullable: true },
  { name: 'duration_ms', field: 'durationMs', kind: 'real', nullable: false },
] as const satisfies ReadonlyArray<ColumnDescription<keyof AttemptRecord>>;

const _everyAttemptFieldDescribed: [Exclude<keyof AttemptRecord, (typeof attemptColumns)[number]['field']>] extends [never] ? true : false = true;

/** The described columns with these names, in this order; an unknown name is a programming error. */
export function columnsNamed<Field extends string>(columns: ReadonlyArray<ColumnDescription<Field>>, names: readonly string[]): Array<ColumnDescription<Field>> {
  return names.map((name) => {
    const column = columns.find((candidate) => candidate.name === name);
    if (!column) throw new Error(`no described column '${name}'`);
    return column;
  });
}

/** Converts one value between a record field and what a backend stores for its kind. */
export type ValueConversion = (kind: ColumnKind, value: unknown) => unknown;

/** A record's stored values, in column order. */
export function encodeRecord<Field extends string>(columns: ReadonlyArray<ColumnDescription<Field>>, record: Readonly<Record<Field, unknown>>, encode: ValueConversion): unknown[] {
  const values = new Array<unknown>(columns.length);
  for (let index = 0; index < columns.length; index++) {
    const column = columns[index]!;
    values[index] = encode(column.kind, record[column.field]);
  }
  return values;
}

/** Records' stored values as one array per column, in column order (for PostgreSQL's `unnest`). */
export function encodeColumns<Field extends string>(
  columns: ReadonlyArray<ColumnDescription<Field>>,
  records: ReadonlyArray<Readonly<Record<Field, unknown>>>,
  encode: ValueConversion,
): unknown[][] {
  return columns.map((column) => records.map((record) => encode(column.kind, record[column.field])));
}

/** A record's fields from a row read back by column name. */
export function decodeRecord<Field extends string>(columns: ReadonlyArray<ColumnDescription<Field>>, row: Readonly<Record<string, unknown>>, decode: ValueConversion): Record<Field, unknown> {
  const record = {} as Record<Field, unknown>;
  for (const column of columns) record[column.field] = decode(column.kind, row[column.name]);
  return record;
}
