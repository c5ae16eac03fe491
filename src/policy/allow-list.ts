/**
 * Whether a key's allow-list admits a model. Patterns match the name the caller used (an alias counts),
 * the upstream model, or `provider:model`; `*` is a wildcard (`anthropic:*`, `claude-*`). A null list
 * admits everything.
 */
export function isModelAllowed(
  allowedModels: readonly string[] | null,
  target: { requested: string; provider: string; upstreamModel: string },
): boolean {
  if (allowedModels === null) return true;
  const candidates = [target.requested, target.upstreamModel, `${target.provider}:${target.upstreamModel}`];
  return allowedModels.some((pattern) => {
    const matcher = compilePattern(pattern);
    return candidates.some((candidate) => matcher.test(candidate));
  });
}

const compiled = new Map<string, RegExp>();

function compilePattern(pattern: string): RegExp {
  let matcher = compiled.get(pattern);
  if (!matcher) {
    const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    matcher = new RegExp(`^${escaped.join('.*')}$`);
    compiled.set(pattern, matcher);
  }
  return matcher;
}
