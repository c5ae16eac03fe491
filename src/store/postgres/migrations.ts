import { rollupTables } from '../rollup-columns.js';
import { rollupBackfillSql, rollupTableSql, type RollupSyntax } from '../rollup-migration.js';
import { attemptColumns, columnsNamed, usageColumns } from '../usage-columns.js';
import { postgresColumnDefinition } from './postgres-columns.js';

/** How the rollup statements spell what differs in PostgreSQL. */
export const postgresRollupSyntax: RollupSyntax = {
  columnDefinition: postgresColumnDefinition,
  measureType: { 'big-integer': 'BIGINT', real: 'DOUBLE PRECISION' },
  minuteTable: { columns: [], constraints: [], suffix: '', after: [`CREATE INDEX ${rollupTables.minute.name}_bucket_start ON ${rollupTables.minute.name} (bucket_start);`] },
  minuteExtraValues: [],
  keyedSuffix: '',
  // Hashed: a B-tree key holds at most ~2.7 kB, and requesters and tag lists come from callers.
  dimsKey: (columns: string) => `md5(json_build_array(${columns})::text)`,
  canonicalTags: `COALESCE((SELECT json_agg(tag ORDER BY tag)::text FROM (SELECT DISTINCT jsonb_array_elements_text(usage_rows.tags::jsonb) AS tag) AS tag_list), '[]')`,
  rowIdentity: 'id',
  isTrue: (column: string) => column,
  greatest: 'GREATEST',
  nowMs: `(extract(epoch FROM now()) * 1000)::bigint`,
};

/**
 * PostgreSQL schema, one entry per version, mirroring the SQLite one. Applied under an advisory lock, so
 * several instances starting at once migrate exactly once.
 */
export const postgresMigrations: readonly string[] = [
  `
  CREATE TABLE gateway_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    user_name TEXT,
    team_name TEXT,
    allowed_models TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    limits TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX gateway_keys_updated_at ON gateway_keys (updated_at);

  CREATE TABLE principals (
    kind TEXT NOT NULL CHECK (kind IN ('user', 'team')),
    name TEXT NOT NULL,
    limits TEXT NOT NULL DEFAULT '{}',
    allowed_models TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
  );
  CREATE INDEX principals_updated_at ON principals (updated_at);

  CREATE TABLE provider_keys (
    provider TEXT PRIMARY KEY,
    sealed_key TEXT NOT NULL,
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE usage_rows (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    key_id TEXT,
    user_name TEXT,
    team_name TEXT,
    requester TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    inbound_dialect TEXT NOT NULL,
    provider TEXT,
    requested_model TEXT,
    upstream_model TEXT,
    reported_model TEXT,
    stream BOOLEAN NOT NULL,
    caller_provider_key BOOLEAN NOT NULL DEFAULT FALSE,
    status_code INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    error_code TEXT,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    cache_write_tokens BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens_estimated BOOLEAN NOT NULL DEFAULT FALSE,
    input_tokens_estimated BOOLEAN NOT NULL DEFAULT FALSE,
    cached BOOLEAN NOT NULL DEFAULT FALSE,
    saved_cost_usd DOUBLE PRECISION,
    cost_usd DOUBLE PRECISION,
    latency_ms DOUBLE PRECISION NOT NULL,
    time_to_first_byte_ms DOUBLE PRECISION
  );
  CREATE INDEX usage_rows_created_at ON usage_rows (created_at);
  CREATE INDEX usage_rows_key_created_at ON usage_rows (key_id, created_at);
  CREATE INDEX usage_rows_user_created_at ON usage_rows (user_name, created_at);
  CREATE INDEX usage_rows_team_created_at ON usage_rows (team_name, created_at);
  `,
  // The routing of each call: its group and policy, how many attempts it took, and each attempt.
  `
  ${columnsNamed(usageColumns, ['group_name', 'policy', 'attempts', 'fallback', 'queue_wait_ms'])
    .map((column) => `ALTER TABLE usage_rows ADD COLUMN ${postgresColumnDefinition(column, 'add')};`)
    .join('\n  ')}
  CREATE TABLE usage_attempts (
    usage_id TEXT NOT NULL REFERENCES usage_rows (id) ON DELETE CASCADE,
    attempt_index INTEGER NOT NULL,
    ${columnsNamed(attemptColumns, ['target', 'provider', 'model', 'status_code', 'error_code', 'retry_after_ms', 'time_to_first_byte_ms', 'duration_ms'])
      .map((column) => postgresColumnDefinition(column, 'create'))
      .join(',\n    ')},
    PRIMARY KEY (usage_id, attempt_index)
  );
  `,
  // The model or group a request without \`model\` goes to, per key and per team.
  `
  ALTER TABLE gateway_keys ADD COLUMN default_model TEXT;
  ALTER TABLE principals ADD COLUMN default_model TEXT;
  `,
  // Operator roles: admin, analytics, metrics, or an ordinary key (user); admins keep theirs.
  `
  ALTER TABLE gateway_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'user';
  UPDATE gateway_keys SET role = 'admin' WHERE is_admin = TRUE;
  `,
  // Where each row's price came from (catalogue and version, or config) and the rates applied.
  `
  ${columnsNamed(usageColumns, ['price_source', 'price_rates'])
    .map((column) => `ALTER TABLE usage_rows ADD COLUMN ${postgresColumnDefinition(column, 'add')};`)
    .join('\n  ')}
  `,
  // Dashboard sessions: the SHA-256 of each session token, the key it acts as, and when it ends.
  `
  CREATE TABLE dashboard_sessions (
    token_hash TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX dashboard_sessions_expires_at ON dashboard_sessions (expires_at);
  `,
  // Analytics: usage rollups per minute (appended with each batch), hour and day (compacted from minutes,
  // in full and spend shapes), back-filled from the rows already stored; and the request log's keyset
  // index, which also serves what the plain created_at index did.
  `
  CREATE INDEX usage_rows_created_at_id ON usage_rows (created_at, id);
  DROP INDEX usage_rows_created_at;
  ${rollupTableSql(postgresRollupSyntax)}
  ${rollupBackfillSql(postgresRollupSyntax)}
  `,
];
