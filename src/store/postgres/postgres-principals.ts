import type { LimitSettings } from '../../domain/limits.js';
import type { PrincipalKind, PrincipalRecord, PrincipalSettings } from '../../domain/principal-record.js';
import type { PrincipalStore } from '../store.js';
import { captureSettingsOf } from '../capture-settings-column.js';
import type { PostgresDatabase, Row } from './postgres-database.js';

/** Users and teams in PostgreSQL (`principals`). */
export class PostgresPrincipals implements PrincipalStore {
  constructor(private readonly database: PostgresDatabase) {}

  async setPrincipal(kind: PrincipalKind, principal: PrincipalSettings): Promise<PrincipalRecord> {
    const updatedAt = Date.now();
    const defaultModel = principal.defaultModel ?? null;
    const capture = principal.capture ?? null;
    await this.database.query(
      `INSERT INTO principals (kind, name, limits, allowed_models, default_model, capture, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (kind, name) DO UPDATE SET limits = EXCLUDED.limits, allowed_models = EXCLUDED.allowed_models,
       default_model = EXCLUDED.default_model, capture = EXCLUDED.capture, updated_at = EXCLUDED.updated_at`,
      [
        kind,
        principal.name,
        JSON.stringify(principal.limits),
        principal.allowedModels ? JSON.stringify(principal.allowedModels) : null,
        defaultModel,
        capture === null ? null : JSON.stringify(capture),
        updatedAt,
      ],
    );
    return { ...principal, defaultModel, capture, updatedAt };
  }

  async listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]> {
    return this.principalsChangedSince(kind, 0);
  }

  async principalsChangedSince(kind: PrincipalKind, since: number): Promise<PrincipalRecord[]> {
    const result = await this.database.query('SELECT * FROM principals WHERE kind = $1 AND updated_at >= $2 ORDER BY name', [kind, since]);
    return result.rows.map((row: Row) => ({
      name: String(row.name),
      limits: JSON.parse(String(row.limits)) as LimitSettings,
      allowedModels: row.allowed_models ? (JSON.parse(String(row.allowed_models)) as string[]) : null,
      defaultModel: (row.default_model as string | null) ?? null,
      capture: captureSettingsOf(row.capture),
      updatedAt: Number(row.updated_at),
    }));
  }
}
