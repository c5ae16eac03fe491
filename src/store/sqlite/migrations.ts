import { rollupDimsMigrationSql, rollupNarrowShapesSql, type RollupDimsSyntax } from '../rollups/rollup-dimensions-migration.js';
import { rollupBackfillSql, rollupTableSql, type RollupSyntax } from '../rollups/rollup-migration.js';
import { rollupBilledMigrationSql } from '../rollups/rollup-billed-migration.js';
import { rollupRoutingMigrationSql } from '../rollups/rollup-routing-migration.js';
import { rollupPacksMigrationSql, type RollupPacksSyntax } from '../rollups/rollup-bucket-sums-migration.js';
import { firstPackKey } from '../rollups/sqlite/bucket-sums-key.js';
import { attemptColumns, columnsNamed, usageColumns } from '../usage-columns.js';
import { sqliteColumnDefinition } from './sqlite-columns.js';
import { usagePartialIndexesSql } from '../usage-partial-indexes.js';

/** How the rollup statements spell what differs in SQLite. */
export const sqliteRollupSyntax: RollupSyntax = {
  columnDefinition: sqliteColumnDefinition,
  measureType: { 'big-integer': 'INTEGER', real: 'REAL' },
  // Clustered by time, one B-tree insert per rollup row: `seq` only tells apart the rows of one minute.
  minuteTable: { columns: ['seq INTEGER NOT NULL'], constraints: ['PRIMARY KEY (bucket_start, seq)'], suffix: ' WITHOUT ROWID', after: [] },
  minuteExtraValues: ['MIN(source_rowid)'],
  keyedSuffix: ' WITHOUT ROWID',
  dimensionsKey: (columns: string) => `json_array(${columns})`,
  canonicalTags: `(SELECT json_group_array(value) FROM (SELECT DISTINCT value FROM json_each(usage_rows.tags) ORDER BY value))`,
  rowIdentity: 'rowid',
  isTrue: (column: string) => `${column} = 1`,
  greatest: 'max',
  nowMs: `(CAST(strftime('%s', 'now') AS INTEGER) * 1000)`,
};

/** How the dims migration spells what differs in SQLite. */
const sqliteRollupDimsSyntax: RollupDimsSyntax = {
  idColumn: 'id INTEGER PRIMARY KEY',
  minuteSums: { columns: ['seq INTEGER NOT NULL'], constraints: ['PRIMARY KEY (bucket_start, seq)'], suffix: ' WITHOUT ROWID', after: [] },
  minuteValues: ['m.seq'],
};

/** How the packs migration spells what differs in SQLite. */
const sqliteRollupPacksSyntax: RollupPacksSyntax = {
  // One integer key, the rowid (rollups/sqlite/bucket-sums-key.ts).
  packsColumns: ['key INTEGER PRIMARY KEY', 'sums TEXT NOT NULL'],
  packKey: { columns: ['key'], values: [firstPackKey('bucket_start')] },
  // Spelt as text: the JSON functions (json_each for the histograms above all) took 1.6 times as long,
  // for the same text. Numbers print as json_array() prints them; concatenating drops the JSON subtype,
  // so json_quote() makes the dimensions' JSON a string.
  entry: ({ dimensions, measures, latency, ttfb }) =>
    `'[' || ${[`json_quote(json_array(${dimensions.join(', ')}) || '')`, ...measures, sqliteHistogramPairs(latency), sqliteHistogramPairs(ttfb)].join(" || ',' || ")} || ']'`,
  pack: (entry) => `'[' || group_concat(${entry}, ',') || ']'`,
};

/** The `[index, count]` pairs of a histogram's non-empty buckets, as JSON text. */
function sqliteHistogramPairs(columns: readonly string[]): string {
  return `'[' || rtrim(${columns.map((column, index) => `CASE WHEN ${column} > 0 THEN '[${index},' || ${column} || '],' ELSE '' END`).join(' || ')}, ',') || ']'`;
}

/**
 * SQLite schema, one entry per version. `PRAGMA user_version` records how many have been applied; a
 * migration is never edited once released, only followed by a new one.
 */
export const sqliteMigrations: readonly string[] = [
  `
  CREATE TABLE gateway_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    user_name TEXT,
    team_name TEXT,
    allowed_models TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX gateway_keys_updated_at ON gateway_keys (updated_at);

  CREATE TABLE provider_keys (
    provider TEXT PRIMARY KEY,
    sealed_key TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE usage_rows (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
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
    stream INTEGER NOT NULL,
    caller_provider_key INTEGER NOT NULL DEFAULT 0,
    status_code INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    error_code TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens_estimated INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL,
    latency_ms REAL NOT NULL,
    time_to_first_byte_ms REAL
  );
  CREATE INDEX usage_rows_created_at ON usage_rows (created_at);
  CREATE INDEX usage_rows_key_created_at ON usage_rows (key_id, created_at);
  `,
  `
  ALTER TABLE usage_rows ADD COLUMN input_tokens_estimated INTEGER NOT NULL DEFAULT 0;
  `,
  `
  ALTER TABLE gateway_keys ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';
  CREATE TABLE principals (
    kind TEXT NOT NULL CHECK (kind IN ('user', 'team')),
    name TEXT NOT NULL,
    limits TEXT NOT NULL DEFAULT '{}',
    allowed_models TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, name)
  );
  CREATE INDEX principals_updated_at ON principals (updated_at);
  CREATE INDEX usage_rows_user_created_at ON usage_rows (user_name, created_at);
  CREATE INDEX usage_rows_team_created_at ON usage_rows (team_name, created_at);
  `,
  `
  ALTER TABLE usage_rows ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE usage_rows ADD COLUMN saved_cost_usd REAL;
  `,
  // The routing of each call: its group and policy, how many attempts it took, and each attempt.
  `
  ${columnsNamed(usageColumns, ['group_name', 'policy', 'attempts', 'fallback', 'queue_wait_ms'])
    .map((column) => `ALTER TABLE usage_rows ADD COLUMN ${sqliteColumnDefinition(column, 'add')};`)
    .join('\n  ')}
  CREATE TABLE usage_attempts (
    usage_id TEXT NOT NULL REFERENCES usage_rows (id) ON DELETE CASCADE,
    attempt_index INTEGER NOT NULL,
    ${columnsNamed(attemptColumns, ['target', 'provider', 'model', 'status_code', 'error_code', 'retry_after_ms', 'time_to_first_byte_ms', 'duration_ms'])
      .map((column) => sqliteColumnDefinition(column, 'create'))
      .join(',\n    ')},
    PRIMARY KEY (usage_id, attempt_index)
  ) WITHOUT ROWID;
  `,
  // The model or group a request without \`model\` goes to, per key and per team.
  `
  ALTER TABLE gateway_keys ADD COLUMN default_model TEXT;
  ALTER TABLE principals ADD COLUMN default_model TEXT;
  `,
  // Operator roles: admin, analytics, metrics, or an ordinary key (user); admins keep theirs.
  `
  ALTER TABLE gateway_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'user';
  UPDATE gateway_keys SET role = 'admin' WHERE is_admin = 1;
  `,
  // Where each row's price came from (catalogue and version, or config) and the rates applied.
  `
  ${columnsNamed(usageColumns, ['price_source', 'price_rates'])
    .map((column) => `ALTER TABLE usage_rows ADD COLUMN ${sqliteColumnDefinition(column, 'add')};`)
    .join('\n  ')}
  `,
  // Dashboard sessions: the SHA-256 of each session token, the key it acts as, and when it ends.
  `
  CREATE TABLE dashboard_sessions (
    token_hash TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX dashboard_sessions_expires_at ON dashboard_sessions (expires_at);
  `,
  // Analytics: usage rollups per minute (appended with each batch), hour and day (compacted from minutes,
  // in full and spend shapes), back-filled from the rows already stored; and the request log's keyset
  // index, which also serves what the plain created_at index did.
  `
  CREATE INDEX usage_rows_created_at_id ON usage_rows (created_at, id);
  DROP INDEX usage_rows_created_at;
  ${rollupTableSql(sqliteRollupSyntax)}
  ${rollupBackfillSql(sqliteRollupSyntax)}
  `,
  // Analytics: the full-shape rollups' dimensions interned (see rollups/rollup-dimensions-migration.ts).
  `
  ${rollupDimsMigrationSql(sqliteRollupSyntax, sqliteRollupDimsSyntax)}
  `,
  // Analytics: the identity, model and activity shapes, for the reports a dashboard opens on.
  `
  ${rollupNarrowShapesSql(sqliteRollupSyntax)}
  `,
  // Analytics: the full-shape rollups packed, one row per bucket and write (see rollups/bucket-sums.ts).
  `
  ${rollupPacksMigrationSql(sqliteRollupPacksSyntax)}
  `,
  // Each call's operation: chat generation, or embeddings; earlier rows were all chat.
  `
  ${columnsNamed(usageColumns, ['operation'])
    .map((column) => `ALTER TABLE usage_rows ADD COLUMN ${sqliteColumnDefinition(column, 'add')};`)
    .join('\n  ')}
  `,
  // Every cost: images sent and image tokens reported, and the cost the upstream itself billed (issue 20 §4).
  `
  ${columnsNamed(usageColumns, ['image_count', 'image_tokens', 'billed_cost_usd'])
    .map((column) => `ALTER TABLE usage_rows ADD COLUMN ${sqliteColumnDefinition(column, 'add')};`)
    .join('\n  ')}
  `,
  // Analytics: routing in the rollups (attempts, retries, fallbacks, upstream time, overhead and throughput
  // histograms) and the routing shape (see rollup-routing-migration.ts).
  `
  ${rollupRoutingMigrationSql(sqliteRollupSyntax)}
  `,
  // A model group's budget starts from the spend of its rows this period (and a key's share from the key's
  // rows in the group): read by group, not by scanning the period's rows.
  `
  CREATE INDEX IF NOT EXISTS usage_rows_group_created_at ON usage_rows (group_name, created_at);
  `,
  // Analytics: what upstreams billed (the rows' billed_cost_usd, and how many rows reported one) in every
  // narrow rollup table (see rollup-billed-migration.ts).
  `
  ${rollupBilledMigrationSql(sqliteRollupSyntax)}
  `,
  // Evaluation runs (issue 22 §1): each call's run and trial, read by run for `GET /analytics/runs`; the run a
  // key carries; and the outcome each trial's verifier reported, one per (run, trial).
  `
  ${columnsNamed(usageColumns, ['run_id', 'trial_id'])
    .map((column) => `ALTER TABLE usage_rows ADD COLUMN ${sqliteColumnDefinition(column, 'add')};`)
    .join('\n  ')}
  CREATE INDEX IF NOT EXISTS usage_rows_run_created_at ON usage_rows (run_id, created_at);
  ALTER TABLE gateway_keys ADD COLUMN run TEXT;
  CREATE TABLE IF NOT EXISTS eval_outcomes (
    run_id TEXT NOT NULL,
    trial_id TEXT NOT NULL,
    reward REAL NOT NULL,
    passed INTEGER NOT NULL,
    task TEXT,
    metadata TEXT,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, trial_id)
  ) WITHOUT ROWID;
  `,
  // Governed content capture (issue 22 §2): what a key or team captures, and the captures themselves, sealed
  // with the master key (the content is never in a column of its own: see capture/seal-capture.ts).
  `
  ALTER TABLE gateway_keys ADD COLUMN capture TEXT;
  ALTER TABLE principals ADD COLUMN capture TEXT;
  CREATE TABLE IF NOT EXISTS captures (
    request_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    key_id TEXT,
    team_name TEXT,
    requested_model TEXT,
    run_id TEXT,
    tags TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sealed TEXT NOT NULL,
    expires_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS captures_created_at ON captures (created_at, request_id);
  CREATE INDEX IF NOT EXISTS captures_expires_at ON captures (expires_at) WHERE expires_at IS NOT NULL;
  CREATE INDEX IF NOT EXISTS captures_key_created_at ON captures (key_id, created_at);
  CREATE INDEX IF NOT EXISTS captures_team_created_at ON captures (team_name, created_at);
  CREATE INDEX IF NOT EXISTS captures_run_created_at ON captures (run_id, created_at);
  `,
  // The user, team, group and run indexes hold only rows that have one (see usage-partial-indexes.ts): the
  // usage writer no longer inserts a NULL entry into each for every other row.
  `
  ${usagePartialIndexesSql}
  `,
];
