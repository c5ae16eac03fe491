import type { AttemptRecord } from '../domain/attempt-record.js';
import { attemptColumns, decodeRecord, type ValueConversion } from './usage-columns.js';

/** `usage_attempts` rows, ordered by usage id and attempt index, grouped into each usage row's trail. */
export function attemptTrailsByUsageId(rows: ReadonlyArray<Readonly<Record<string, unknown>>>, decode: ValueConversion): Map<string, AttemptRecord[]> {
  const trails = new Map<string, AttemptRecord[]>();
  for (const row of rows) {
    const usageId = String(row.usage_id);
    let trail = trails.get(usageId);
    if (!trail) trails.set(usageId, (trail = []));
    trail.push(decodeRecord(attemptColumns, row, decode) as unknown as AttemptRecord);
  }
  return trails;
}
