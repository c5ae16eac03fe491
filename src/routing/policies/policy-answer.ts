import type { RouteTarget } from '../../domain/route-target.js';

/**
 * Reads a script's or a policy service's answer — target ids, or objects with an `id` — back into targets.
 * Anything that is not an ordered, non-empty list of the offered targets is refused (undefined), so the
 * caller falls back to config order. Repeats are dropped; leaving targets out is allowed (they are not tried).
 */
export function targetsFromAnswer(answer: unknown, offered: readonly RouteTarget[]): RouteTarget[] | undefined {
  if (!Array.isArray(answer) || answer.length === 0 || answer.length > 1_000) return undefined;
  const byId = new Map(offered.map((target) => [target.id, target]));
  const ordered: RouteTarget[] = [];
  for (const entry of answer) {
    const id = typeof entry === 'string' ? entry : entry !== null && typeof entry === 'object' ? (entry as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return undefined;
    const target = byId.get(id);
    if (!target) return undefined;
    if (!ordered.includes(target)) ordered.push(target);
  }
  return ordered;
}
