import type { KeyRecord } from '../domain/key-record.js';

/** The columns a new key is inserted with, in the order `keyInsertValues` gives their values. */
export const keyInsertColumns =
  'id, name, hash, hint, user_name, team_name, allowed_models, is_admin, role, limits, default_model, run, capture, created_at, updated_at';

/**
 * A new key's values in `keyInsertColumns` order, JSON fields as text; `flag` spells `is_admin` as the
 * database binds a boolean (PostgreSQL takes one as it is, SQLite takes 1 or 0).
 */
export function keyInsertValues<Flag>(record: KeyRecord, flag: (value: boolean) => Flag): unknown[] {
  return [
    record.id,
    record.name,
    record.hash,
    record.hint,
    record.userName,
    record.teamName,
    record.allowedModels ? JSON.stringify(record.allowedModels) : null,
    flag(record.isAdmin),
    record.role,
    JSON.stringify(record.limits),
    record.defaultModel,
    record.run,
    record.capture === null ? null : JSON.stringify(record.capture),
    record.createdAt,
    record.updatedAt,
  ];
}
