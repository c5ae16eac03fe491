import { newUlid } from '../../ids/new-ulid.js';
import type { KeyRole } from '../../domain/key-role.js';
import type { KeyChanges, KeyRecord, NewKey } from '../../domain/key-record.js';
import type { KeyStore } from '../store.js';
import type { LimitSettings } from '../../domain/limits.js';
import type { PostgresDatabase, Row } from './postgres-database.js';
import { captureSettingsOf } from '../capture-settings-column.js';
import { keyInsertColumns, keyInsertValues } from '../key-insert.js';

/** Gateway keys in PostgreSQL (`gateway_keys`). */
export class PostgresKeys implements KeyStore {
  constructor(private readonly database: PostgresDatabase) {}

  async createKey(key: NewKey): Promise<KeyRecord> {
    const now = Date.now();
    const record: KeyRecord = { ...key, isAdmin: key.role === 'admin', defaultModel: key.defaultModel ?? null, run: key.run ?? null, capture: key.capture ?? null, id: `key_${newUlid()}`, createdAt: now, revokedAt: null, updatedAt: now };
    await this.database.query(
      `INSERT INTO gateway_keys (${keyInsertColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      keyInsertValues(record, (flag) => flag),
    );
    return record;
  }

  async listKeys(): Promise<KeyRecord[]> {
    return (await this.database.query('SELECT * FROM gateway_keys ORDER BY created_at')).rows.map(toKeyRecord);
  }

  async keysChangedSince(since: number): Promise<KeyRecord[]> {
    return (await this.database.query('SELECT * FROM gateway_keys WHERE updated_at >= $1 ORDER BY updated_at', [since])).rows.map(toKeyRecord);
  }

  async updateKey(idOrName: string, changes: KeyChanges): Promise<KeyRecord | undefined> {
    const assignments: Array<[string, unknown]> = [];
    if (changes.userName !== undefined) assignments.push(['user_name', changes.userName]);
    if (changes.teamName !== undefined) assignments.push(['team_name', changes.teamName]);
    if (changes.allowedModels !== undefined) assignments.push(['allowed_models', changes.allowedModels ? JSON.stringify(changes.allowedModels) : null]);
    if (changes.role !== undefined) assignments.push(['role', changes.role], ['is_admin', changes.role === 'admin']);
    if (changes.limits !== undefined) assignments.push(['limits', JSON.stringify(changes.limits)]);
    if (changes.defaultModel !== undefined) assignments.push(['default_model', changes.defaultModel]);
    if (changes.run !== undefined) assignments.push(['run', changes.run]);
    if (changes.capture !== undefined) assignments.push(['capture', changes.capture === null ? null : JSON.stringify(changes.capture)]);
    assignments.push(['updated_at', Date.now()]);
    const sets = assignments.map(([column], index) => `${column} = $${index + 1}`).join(', ');
    const values = [...assignments.map(([, value]) => value), idOrName];
    const result = await this.database.query(`UPDATE gateway_keys SET ${sets} WHERE id = $${values.length} OR name = $${values.length} RETURNING *`, values);
    return result.rows[0] ? toKeyRecord(result.rows[0]) : undefined;
  }

  async revokeKey(idOrName: string): Promise<KeyRecord | undefined> {
    const now = Date.now();
    const result = await this.database.query(
      'UPDATE gateway_keys SET revoked_at = COALESCE(revoked_at, $1), updated_at = $1 WHERE id = $2 OR name = $2 RETURNING *',
      [now, idOrName],
    );
    return result.rows[0] ? toKeyRecord(result.rows[0]) : undefined;
  }
}

function toKeyRecord(row: Row): KeyRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    hash: String(row.hash),
    hint: String(row.hint),
    userName: (row.user_name as string | null) ?? null,
    teamName: (row.team_name as string | null) ?? null,
    allowedModels: row.allowed_models ? (JSON.parse(String(row.allowed_models)) as string[]) : null,
    role: row.role as KeyRole,
    isAdmin: row.role === 'admin',
    limits: JSON.parse(String(row.limits)) as LimitSettings,
    defaultModel: (row.default_model as string | null) ?? null,
    run: (row.run as string | null) ?? null,
    capture: captureSettingsOf(row.capture),
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    updatedAt: Number(row.updated_at),
  };
}
