import { isDeepStrictEqual } from 'node:util';

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value at a dotted path (`cache.partition`), or undefined. */
export function valueAt(config: unknown, path: string): unknown {
  let value: unknown = config;
  for (const name of path.split('.')) value = isTree(value) && Object.hasOwn(value, name) ? value[name] : undefined;
  return value;
}

/** Whether any of `paths` differs between the two configs. */
export function fieldsDiffer(before: unknown, after: unknown, paths: readonly string[]): boolean {
  return paths.some((path) => !isDeepStrictEqual(valueAt(before, path), valueAt(after, path)));
}

/**
 * The paths that differ between two configs outside `owned` (the fields reloadable parts rebuild), named
 * down to the second level (`server.port`, `database.url`) so the refusal says what moved, never a value.
 */
export function differencesOutside(before: unknown, after: unknown, owned: readonly string[]): string[] {
  const ownedSet = new Set(owned);
  const differences: string[] = [];
  const walk = (left: unknown, right: unknown, prefix: string, depth: number) => {
    if (ownedSet.has(prefix)) return;
    if (isDeepStrictEqual(left, right)) return;
    if (depth < 2 && isTree(left) && isTree(right)) {
      for (const name of new Set([...Object.keys(left), ...Object.keys(right)])) {
        walk(left[name], right[name], prefix ? `${prefix}.${name}` : name, depth + 1);
      }
      return;
    }
    differences.push(prefix || '(root)');
  };
  walk(before, after, '', 0);
  return differences;
}
