import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { newUlid } from '../../ids/new-ulid.js';
import type { UsageRow } from '../../usage/usage-row.js';
import type {
  KeyChanges,
  KeyRecord,
  LimitSettings,
  NewKey,
  PrincipalKind,
  PrincipalRecord,
  Store,
  StoredProviderKey,
  UsageGrouping,
  UsageSummaryRow,
  UsageTotals,
} from '../store.js';
import { toStoreError } from '../store-error-kind.js';
import { loadSqliteDriver } from './load-sqlite-driver.js';
import { sqliteMigrations } from './migrations.js';

interface KeyRowShape {
  id: string;
  name: string;
  hash: string;
  hint: string;
  user_name: string | null;
  team_name: string | null;
  allowed_models: string | null;
  is_admin: number;
  limits: string;
  created_at: number;
  revoked_at: number | null;
  updated_at: number;
}

interface UsageRowShape {
  id: string;
  created_at: number;
  key_id: string | null;
  user_name: string | null;
  team_name: string | null;
  requester: string | null;
  tags: string;
  inbound_dialect: UsageRow['inboundDialect'];
  provider: string | null;
  requested_model: string | null;
  upstream_model: string | null;
  reported_model: string | null;
  stream: number;
  caller_provider_key: number;
  status_code: number;
  outcome: UsageRow['outcome'];
  error_code: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  output_tokens_estimated: number;
  input_tokens_estimated: number;
  cached: number;
  saved_cost_usd: number | null;
  cost_usd: number | null;
  latency_ms: number;
  time_to_first_byte_ms: number | null;
}

const groupColumns: Record<UsageGrouping, string> = {
  model: 'COALESCE(u.upstream_model, u.requested_model)',
  key: "COALESCE(k.name, u.key_id)",
  user: 'u.user_name',
  team: 'u.team_name',
  provider: 'u.provider',
};

/**
 * The embedded store: one SQLite file in WAL mode. better-sqlite3 is synchronous, so nothing here runs on
 * the request path: keys are read into memory by the key view and usage rows are written in batches.
 */
export class SqliteStore implements Store {
  readonly #database: Database.Database;
  readonly #insertUsage: Database.Statement;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const Driver = loadSqliteDriver();
    this.#database = new Driver(path);
    this.#database.pragma('journal_mode = WAL');
    this.#database.pragma('synchronous = NORMAL');
    // Several processes (a server and the CLI) may share the file.
    this.#database.pragma('busy_timeout = 5000');
    this.#migrate();
    this.#insertUsage = this.#database.prepare(`
      INSERT INTO usage_rows (
        id, created_at, key_id, user_name, team_name, requester, tags, inbound_dialect, provider,
        requested_model, upstream_model, reported_model, stream, caller_provider_key, status_code, outcome,
        error_code, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
        output_tokens_estimated, input_tokens_estimated, cached, saved_cost_usd, cost_usd, latency_ms, time_to_first_byte_ms
      ) VALUES (
        @id, @created_at, @key_id, @user_name, @team_name, @requester, @tags, @inbound_dialect, @provider,
        @requested_model, @upstream_model, @reported_model, @stream, @caller_provider_key, @status_code, @outcome,
        @error_code, @input_tokens, @output_tokens, @cache_read_tokens, @cache_write_tokens, @reasoning_tokens,
        @output_tokens_estimated, @input_tokens_estimated, @cached, @saved_cost_usd, @cost_usd, @latency_ms, @time_to_first_byte_ms
      ) ON CONFLICT (id) DO NOTHING`);
  }

  #migrate(): void {
    const applied = this.#database.pragma('user_version', { simple: true }) as number;
    for (let version = applied; version < sqliteMigrations.length; version++) {
      this.#database.transaction(() => {
        this.#database.exec(sqliteMigrations[version] ?? '');
        this.#database.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  async createKey(key: NewKey): Promise<KeyRecord> {
    return guarded(() => {
      const now = Date.now();
      const record: KeyRecord = { ...key, id: `key_${newUlid()}`, createdAt: now, revokedAt: null, updatedAt: now };
      this.#database
        .prepare(
          `INSERT INTO gateway_keys (id, name, hash, hint, user_name, team_name, allowed_models, is_admin, limits, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.id,
          record.name,
          record.hash,
          record.hint,
          record.userName,
          record.teamName,
          record.allowedModels ? JSON.stringify(record.allowedModels) : null,
          record.isAdmin ? 1 : 0,
          JSON.stringify(record.limits),
          record.createdAt,
          record.updatedAt,
        );
      return record;
    });
  }

  async listKeys(): Promise<KeyRecord[]> {
    return guarded(() => {
      const rows = this.#database.prepare('SELECT * FROM gateway_keys ORDER BY created_at').all() as KeyRowShape[];
      return rows.map(toKeyRecord);
    });
  }

  async keysChangedSince(since: number): Promise<KeyRecord[]> {
    return guarded(() => {
      const rows = this.#database
        .prepare('SELECT * FROM gateway_keys WHERE updated_at >= ? ORDER BY updated_at')
        .all(since) as KeyRowShape[];
      return rows.map(toKeyRecord);
    });
  }

  async updateKey(idOrName: string, changes: KeyChanges): Promise<KeyRecord | undefined> {
    return guarded(() => {
      const assignments: Array<[column: string, value: unknown]> = [];
      if (changes.userName !== undefined) assignments.push(['user_name', changes.userName]);
      if (changes.teamName !== undefined) assignments.push(['team_name', changes.teamName]);
      if (changes.allowedModels !== undefined) assignments.push(['allowed_models', changes.allowedModels ? JSON.stringify(changes.allowedModels) : null]);
      if (changes.isAdmin !== undefined) assignments.push(['is_admin', changes.isAdmin ? 1 : 0]);
      if (changes.limits !== undefined) assignments.push(['limits', JSON.stringify(changes.limits)]);
      assignments.push(['updated_at', Date.now()]);
      const row = this.#database
        .prepare(`UPDATE gateway_keys SET ${assignments.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ? OR name = ? RETURNING *`)
        .get(...assignments.map(([, value]) => value), idOrName, idOrName) as KeyRowShape | undefined;
      return row ? toKeyRecord(row) : undefined;
    });
  }

  async setPrincipal(kind: PrincipalKind, principal: Omit<PrincipalRecord, 'updatedAt'>): Promise<PrincipalRecord> {
    return guarded(() => {
      const updatedAt = Date.now();
      this.#database
        .prepare(
          `INSERT INTO principals (kind, name, limits, allowed_models, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (kind, name) DO UPDATE SET limits = excluded.limits, allowed_models = excluded.allowed_models,
           updated_at = excluded.updated_at`,
        )
        .run(kind, principal.name, JSON.stringify(principal.limits), principal.allowedModels ? JSON.stringify(principal.allowedModels) : null, updatedAt);
      return { ...principal, updatedAt };
    });
  }

  async listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]> {
    return guarded(() => {
      return this.principalsChangedSince(kind, 0);
    });
  }

  async principalsChangedSince(kind: PrincipalKind, since: number): Promise<PrincipalRecord[]> {
    return guarded(() => {
      const rows = this.#database
        .prepare('SELECT * FROM principals WHERE kind = ? AND updated_at >= ? ORDER BY name')
        .all(kind, since) as Array<{ name: string; limits: string; allowed_models: string | null; updated_at: number }>;
      return rows.map((row) => ({
        name: row.name,
        limits: JSON.parse(row.limits) as LimitSettings,
        allowedModels: row.allowed_models ? (JSON.parse(row.allowed_models) as string[]) : null,
        updatedAt: row.updated_at,
      }));
    });
  }

  async revokeKey(idOrName: string): Promise<KeyRecord | undefined> {
    return guarded(() => {
      const now = Date.now();
      const row = this.#database
        .prepare(
          `UPDATE gateway_keys SET revoked_at = COALESCE(revoked_at, ?), updated_at = ?
           WHERE id = ? OR name = ? RETURNING *`,
        )
        .get(now, now, idOrName, idOrName) as KeyRowShape | undefined;
      return row ? toKeyRecord(row) : undefined;
    });
  }

  async setProviderKey(provider: string, sealedKey: string): Promise<void> {
    return guarded(() => {
      this.#database
        .prepare(
          `INSERT INTO provider_keys (provider, sealed_key, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (provider) DO UPDATE SET sealed_key = excluded.sealed_key, updated_at = excluded.updated_at`,
        )
        .run(provider, sealedKey, Date.now());
    });
  }

  async deleteProviderKey(provider: string): Promise<boolean> {
    return guarded(() => {
      return this.#database.prepare('DELETE FROM provider_keys WHERE provider = ?').run(provider).changes > 0;
    });
  }

  async listProviderKeys(): Promise<StoredProviderKey[]> {
    return guarded(() => {
      const rows = this.#database.prepare('SELECT * FROM provider_keys ORDER BY provider').all() as Array<{
        provider: string;
        sealed_key: string;
        updated_at: number;
      }>;
      return rows.map((row) => ({ provider: row.provider, sealedKey: row.sealed_key, updatedAt: row.updated_at }));
    });
  }

  async recordUsage(rows: readonly UsageRow[]): Promise<void> {
    return guarded(() => {
      if (rows.length === 0) return;
      this.#database.transaction((batch: readonly UsageRow[]) => {
        for (const row of batch) this.#insertUsage.run(fromUsageRow(row));
      })(rows);
    });
  }

  async usageTotals(options: { scope: 'key' | 'user' | 'team'; subject: string; since: number }): Promise<UsageTotals> {
    return guarded(() => {
      const column = { key: 'key_id', user: 'user_name', team: 'team_name' }[options.scope];
      const row = this.#database
        .prepare(
          `SELECT COUNT(*) AS requests, COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
                  COALESCE(SUM(cost_usd), 0) AS cost_usd
           FROM usage_rows WHERE ${column} = ? AND created_at >= ?`,
        )
        .get(options.subject, options.since) as { requests: number; input_tokens: number; output_tokens: number; cost_usd: number };
      return { requests: row.requests, inputTokens: row.input_tokens, outputTokens: row.output_tokens, costUsd: row.cost_usd };
    });
  }

  async summarizeUsage(options: { since: number; by: UsageGrouping }): Promise<UsageSummaryRow[]> {
    return guarded(() => {
      const group = groupColumns[options.by];
      const rows = this.#database
        .prepare(
          `SELECT ${group} AS grouping, COUNT(*) AS requests,
                  SUM(CASE WHEN u.outcome = 'error' THEN 1 ELSE 0 END) AS errors,
                  SUM(u.input_tokens) AS input_tokens, SUM(u.output_tokens) AS output_tokens,
                  SUM(u.cache_read_tokens) AS cache_read_tokens, SUM(u.cache_write_tokens) AS cache_write_tokens,
                  SUM(u.cost_usd) AS cost_usd
           FROM usage_rows u LEFT JOIN gateway_keys k ON k.id = u.key_id
           WHERE u.created_at >= ?
           GROUP BY grouping ORDER BY COALESCE(SUM(u.cost_usd), 0) DESC, requests DESC`,
        )
        .all(options.since) as Array<{
        grouping: string | null;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        cache_read_tokens: number;
        cache_write_tokens: number;
        cost_usd: number | null;
      }>;
      return rows.map((row) => ({
        group: row.grouping,
        requests: row.requests,
        errors: row.errors,
        inputTokens: row.input_tokens,
        outputTokens: row.output_tokens,
        cacheReadTokens: row.cache_read_tokens,
        cacheWriteTokens: row.cache_write_tokens,
        costUsd: row.cost_usd,
      }));
    });
  }

  async recentUsage(options: { limit: number }): Promise<UsageRow[]> {
    return guarded(() => {
      const rows = this.#database
        .prepare('SELECT * FROM usage_rows ORDER BY id DESC LIMIT ?')
        .all(options.limit) as UsageRowShape[];
      return rows.map(toUsageRow);
    });
  }

  async close(): Promise<void> {
    if (this.#database.open) this.#database.close();
  }
}

/**
 * Runs one database call, turning "locked past the busy timeout", "disk full" and the like into the
 * store's `store_unavailable` error, as the PostgreSQL store does for a lost connection.
 */
function guarded<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw toStoreError(error);
  }
}

function toKeyRecord(row: KeyRowShape): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    hash: row.hash,
    hint: row.hint,
    userName: row.user_name,
    teamName: row.team_name,
    allowedModels: row.allowed_models ? (JSON.parse(row.allowed_models) as string[]) : null,
    isAdmin: row.is_admin === 1,
    limits: JSON.parse(row.limits) as LimitSettings,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    updatedAt: row.updated_at,
  };
}

function fromUsageRow(row: UsageRow): UsageRowShape {
  return {
    id: row.id,
    created_at: row.createdAt,
    key_id: row.keyId,
    user_name: row.userName,
    team_name: row.teamName,
    requester: row.requester,
    tags: JSON.stringify(row.tags),
    inbound_dialect: row.inboundDialect,
    provider: row.provider,
    requested_model: row.requestedModel,
    upstream_model: row.upstreamModel,
    reported_model: row.reportedModel,
    stream: row.stream ? 1 : 0,
    caller_provider_key: row.callerProviderKey ? 1 : 0,
    status_code: row.statusCode,
    outcome: row.outcome,
    error_code: row.errorCode,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    cache_read_tokens: row.cacheReadTokens,
    cache_write_tokens: row.cacheWriteTokens,
    reasoning_tokens: row.reasoningTokens,
    output_tokens_estimated: row.outputTokensEstimated ? 1 : 0,
    input_tokens_estimated: row.inputTokensEstimated ? 1 : 0,
    cached: row.cached ? 1 : 0,
    saved_cost_usd: row.savedCostUsd,
    cost_usd: row.costUsd,
    latency_ms: row.latencyMs,
    time_to_first_byte_ms: row.timeToFirstByteMs,
  };
}

function toUsageRow(row: UsageRowShape): UsageRow {
  return {
    id: row.id,
    createdAt: row.created_at,
    keyId: row.key_id,
    userName: row.user_name,
    teamName: row.team_name,
    requester: row.requester,
    tags: JSON.parse(row.tags) as string[],
    inboundDialect: row.inbound_dialect,
    provider: row.provider,
    requestedModel: row.requested_model,
    upstreamModel: row.upstream_model,
    reportedModel: row.reported_model,
    stream: row.stream === 1,
    callerProviderKey: row.caller_provider_key === 1,
    statusCode: row.status_code,
    outcome: row.outcome,
    errorCode: row.error_code,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    outputTokensEstimated: row.output_tokens_estimated === 1,
    inputTokensEstimated: row.input_tokens_estimated === 1,
    cached: row.cached === 1,
    savedCostUsd: row.saved_cost_usd,
    costUsd: row.cost_usd,
    latencyMs: row.latency_ms,
    timeToFirstByteMs: row.time_to_first_byte_ms,
  };
}
