/**
 * The deepest nesting a request body may have. Real requests stay far below it (a tool's JSON schema is
 * rarely deeper than 10); a body nested thousands deep would otherwise overflow the stack in code that walks
 * it recursively (JSON.stringify, the token estimator, translation), answering 500 instead of 400.
 */
export const maximumJsonNestingDepth = 128;

/**
 * Whether a parsed JSON value nests objects and arrays deeper than `limit`. Walks with an explicit stack,
 * so the check itself cannot overflow, and stops at the first level too deep.
 */
export function isNestedDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const pending: unknown[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const current = pending.pop() as object;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    if (Array.isArray(current)) {
      for (const item of current) {
        if (item !== null && typeof item === 'object') {
          pending.push(item);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in current) {
        const item = (current as Record<string, unknown>)[key];
        if (item !== null && typeof item === 'object') {
          pending.push(item);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}
