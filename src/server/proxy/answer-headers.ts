import { safeHeaderValue } from '../http/safe-header-value.js';
import { concealText } from './conceal-private-target.js';
import type { RequestContext } from './request-context.js';

/**
 * The headers Sluice adds to every answer of a model call: request id, what served it, rate-limit state,
 * warnings, cache status. Built in place (no spreads): this runs on every request.
 */
export function answerHeadersOf(context: RequestContext): Record<string, string> {
  const headers: Record<string, string> = context.admission ? Object.assign({}, context.admission.headers) : {};
  // A soft-cap warning names a model group, whose configured name may hold any character.
  const budgetWarning = headers['x-sluice-budget-warning'];
  if (budgetWarning !== undefined) headers['x-sluice-budget-warning'] = safeHeaderValue(budgetWarning);
  headers['x-sluice-request-id'] = context.id;
  // Model names and warnings echo caller input: made safe for a header (an odd character must not stop the answer).
  const { concealment, target } = context;
  if (target !== undefined) {
    if (concealment !== null && target.private) {
      const label = safeHeaderValue(concealment.label);
      headers['x-sluice-provider'] = label;
      if (target.upstreamModel) headers['x-sluice-model'] = label;
    } else {
      headers['x-sluice-provider'] = safeHeaderValue(target.provider.name);
      if (target.upstreamModel) headers['x-sluice-model'] = safeHeaderValue(target.upstreamModel);
    }
  }
  if (context.warnings.length > 0) {
    const warnings = context.warnings.join('; ');
    headers['x-sluice-warning'] = safeHeaderValue(concealment === null ? warnings : concealText(concealment, warnings));
  }
  if (context.cache && !context.cached) headers['x-sluice-cache'] = 'MISS';
  else if (context.cacheBypassed) headers['x-sluice-cache'] = 'BYPASS';
  if (context.groupName !== null) headers['x-sluice-group'] = safeHeaderValue(context.groupName);
  const trail = context.attemptTrail;
  if (trail.length > 0) {
    headers['x-sluice-attempts'] = String(trail.length);
    // `openai:gpt-4o-mini=429;anthropic:claude-haiku-4-5=200`: what was tried, and how each answered.
    let route = '';
    // A private target's attempts read `<group>=503`: how many and how they answered, never what they were.
    for (const attempt of trail) {
      const target = concealment !== null && concealment.privateIds.has(attempt.target) ? concealment.label : attempt.target;
      route += `${route ? ';' : ''}${target}=${attempt.statusCode ?? attempt.errorCode ?? 'pending'}`;
    }
    headers['x-sluice-route'] = safeHeaderValue(route);
  }
  return headers;
}
