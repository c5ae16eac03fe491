import type Database from 'better-sqlite3';
import { newUlid } from '../../ids/new-ulid.js';
import type { KeyRole } from '../../domain/key-role.js';
import type { KeyChanges, KeyRecord, NewKey } from '../../domain/key-record.js';
import type { KeyStore } from '../store.js';
import type { LimitSettings } from '../../domain/limits.js';
import { guarded } from './sqlite-database.js';
import { captureSettingsOf } from '../capture-settings-column.js';
import { keyInsertColumns, keyInsertValues } from '../key-insert.js';

interface KeyRowShape {
  id: string;
  name: string;
  hash: string;
  hint: string;
  user_name: string | null;
  team_name: string | null;
  allowed_models: string | null;
  is_admin: number;
  role: KeyRole;
  limits: string;
  default_model: string | null;
  run: string | null;
  capture: string | null;
  created_at: number;
  revoked_at: number | null;
  updated_at: number;
}

/** Gateway keys in the SQLite file (`gateway_keys`). */
export class SqliteKeys implements KeyStore {
  constructor(private readonly database: Database.Database) {}

  async createKey(key: NewKey): Promise<KeyRecord> {
    return guarded(() => {
      const now = Date.now();
      const record: KeyRecord = { ...key, isAdmin: key.role === 'admin', defaultModel: key.defaultModel ?? null, run: key.run ?? null, capture: key.capture ?? null, id: `key_${newUlid()}`, createdAt: now, revokedAt: null, updatedAt: now };
      this.database.prepare(`INSERT INTO gateway_keys (${keyInsertColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...keyInsertValues(record, (flag) => (flag ? 1 : 0)));
      return record;
    });
  }

  async listKeys(): Promise<KeyRecord[]> {
    return guarded(() => {
      const rows = this.database.prepare('SELECT * FROM gateway_keys ORDER BY created_at').all() as KeyRowShape[];
      return rows.map(toKeyRecord);
    });
  }

  async keysChangedSince(since: number): Promise<KeyRecord[]> {
    return guarded(() => {
      const rows = this.database
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
      if (changes.role !== undefined) assignments.push(['role', changes.role], ['is_admin', changes.role === 'admin' ? 1 : 0]);
      if (changes.limits !== undefined) assignments.push(['limits', JSON.stringify(changes.limits)]);
      if (changes.defaultModel !== undefined) assignments.push(['default_model', changes.defaultModel]);
    if (changes.run !== undefined) assignments.push(['run', changes.run]);
      if (changes.capture !== undefined) assignments.push(['capture', changes.capture === null ? null : JSON.stringify(changes.capture)]);
      assignments.push(['updated_at', Date.now()]);
      const row = this.database
        .prepare(`UPDATE gateway_keys SET ${assignments.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ? OR name = ? RETURNING *`)
        .get(...assignments.map(([, value]) => value), idOrName, idOrName) as KeyRowShape | undefined;
      return row ? toKeyRecord(row) : undefined;
    });
  }

  async revokeKey(idOrName: string): Promise<KeyRecord | undefined> {
    return guarded(() => {
      const now = Date.now();
      const row = this.database
        .prepare(
          `UPDATE gateway_keys SET revoked_at = COALESCE(revoked_at, ?), updated_at = ?
           WHERE id = ? OR name = ? RETURNING *`,
        )
        .get(now, now, idOrName, idOrName) as KeyRowShape | undefined;
      return row ? toKeyRecord(row) : undefined;
    });
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
    role: row.role,
    isAdmin: row.role === 'admin',
    limits: JSON.parse(row.limits) as LimitSettings,
    defaultModel: row.default_model,
    run: row.run,
    capture: captureSettingsOf(row.capture),
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    updatedAt: row.updated_at,
  };
}
