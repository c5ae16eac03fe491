import type { CaptureFilter } from '../domain/captured-exchange.js';
import type { SealedCapture } from './store.js';

/** The columns of `captures` in the order `captureValues` gives them. */
export const captureColumns = 'request_id, created_at, key_id, team_name, requested_model, run_id, tags, bytes, sealed, expires_at';

/** One capture's values in `captureColumns` order (tags as JSON text). */
export function captureValues(capture: SealedCapture): unknown[] {
  return [
    capture.requestId,
    capture.createdAt,
    capture.keyId,
    capture.teamName,
    capture.requestedModel,
    capture.runId,
    JSON.stringify(capture.tags),
    capture.bytes,
    capture.sealed,
    capture.expiresAt ?? null,
  ];
}

/** A `captures` row read back (numbers may come as numbers or, from PostgreSQL, strings). */
export function sealedCaptureOf(row: Record<string, unknown>): SealedCapture {
  const expiresAt = row.expires_at === null || row.expires_at === undefined ? undefined : Number(row.expires_at);
  return {
    requestId: String(row.request_id),
    createdAt: Number(row.created_at),
    keyId: (row.key_id as string | null) ?? null,
    teamName: (row.team_name as string | null) ?? null,
    requestedModel: (row.requested_model as string | null) ?? null,
    runId: (row.run_id as string | null) ?? null,
    tags: JSON.parse(String(row.tags)) as string[],
    bytes: Number(row.bytes),
    sealed: String(row.sealed),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/**
 * The WHERE conditions of a `CaptureFilter`, written once for both stores: `bind` adds a value and returns
 * its placeholder (`?` or `$n`), `hasTag` says how the backend asks whether the JSON tag list holds one.
 */
export function captureFilterConditions(filter: CaptureFilter, bind: (value: unknown) => string, hasTag: (placeholder: string) => string): string[] {
  const conditions: string[] = [];
  if (filter.from !== undefined) conditions.push(`created_at >= ${bind(filter.from)}`);
  if (filter.before !== undefined) conditions.push(`created_at < ${bind(filter.before)}`);
  if (filter.keyId !== undefined) conditions.push(`key_id = ${bind(filter.keyId)}`);
  if (filter.teamName !== undefined) conditions.push(`team_name = ${bind(filter.teamName)}`);
  if (filter.requestedModel !== undefined) conditions.push(`requested_model = ${bind(filter.requestedModel)}`);
  if (filter.runId !== undefined) conditions.push(`run_id = ${bind(filter.runId)}`);
  if (filter.tag !== undefined) conditions.push(hasTag(bind(filter.tag)));
  return conditions;
}

/** `WHERE a AND b`, or nothing when there are no conditions. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
