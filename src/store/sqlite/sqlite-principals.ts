import type Database from 'better-sqlite3';
import type { LimitSettings } from '../../domain/limits.js';
import type { PrincipalKind, PrincipalRecord, PrincipalSettings } from '../../domain/principal-record.js';
import type { PrincipalStore } from '../store.js';
import { captureSettingsOf } from '../capture-settings-column.js';
import { guarded } from './sqlite-database.js';

/** Users and teams in the SQLite file (`principals`). */
export class SqlitePrincipals implements PrincipalStore {
  constructor(private readonly database: Database.Database) {}

  async setPrincipal(kind: PrincipalKind, principal: PrincipalSettings): Promise<PrincipalRecord> {
    return guarded(() => {
      const updatedAt = Date.now();
      const defaultModel = principal.defaultModel ?? null;
      const capture = principal.capture ?? null;
      this.database
        .prepare(
          `INSERT INTO principals (kind, name, limits, allowed_models, default_model, capture, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, name) DO UPDATE SET limits = excluded.limits, allowed_models = excluded.allowed_models,
           default_model = excluded.default_model, capture = excluded.capture, updated_at = excluded.updated_at`,
        )
        .run(
          kind,
          principal.name,
          JSON.stringify(principal.limits),
          principal.allowedModels ? JSON.stringify(principal.allowedModels) : null,
          defaultModel,
          capture === null ? null : JSON.stringify(capture),
          updatedAt,
        );
      return { ...principal, defaultModel, capture, updatedAt };
    });
  }

  async listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]> {
    return guarded(() => {
      return this.principalsChangedSince(kind, 0);
    });
  }

  async principalsChangedSince(kind: PrincipalKind, since: number): Promise<PrincipalRecord[]> {
    return guarded(() => {
      const rows = this.database
        .prepare('SELECT * FROM principals WHERE kind = ? AND updated_at >= ? ORDER BY name')
        .all(kind, since) as Array<{ name: string; limits: string; allowed_models: string | null; default_model: string | null; capture: string | null; updated_at: number }>;
      return rows.map((row) => ({
        name: row.name,
        limits: JSON.parse(row.limits) as LimitSettings,
        allowedModels: row.allowed_models ? (JSON.parse(row.allowed_models) as string[]) : null,
        defaultModel: row.default_model,
        capture: captureSettingsOf(row.capture),
        updatedAt: row.updated_at,
      }));
    });
  }
}
