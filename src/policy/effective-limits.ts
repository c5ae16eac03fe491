import type { LimitSettings } from '../domain/limits.js';

/** The limits that apply: the subject's own, else the configured default; 0 turns a limit off. */
export function effectiveLimits(own: LimitSettings | undefined, defaults: LimitSettings): LimitSettings {
  const pick = (value: number | undefined, fallback: number | undefined) => {
    const chosen = value ?? fallback;
    return chosen === undefined || chosen === 0 ? undefined : chosen;
  };
  const limits: LimitSettings = {};
  const requestsPerMinute = pick(own?.requestsPerMinute, defaults.requestsPerMinute);
  const tokensPerMinute = pick(own?.tokensPerMinute, defaults.tokensPerMinute);
  const concurrentRequests = pick(own?.concurrentRequests, defaults.concurrentRequests);
  if (requestsPerMinute !== undefined) limits.requestsPerMinute = requestsPerMinute;
  if (tokensPerMinute !== undefined) limits.tokensPerMinute = tokensPerMinute;
  if (concurrentRequests !== undefined) {
    limits.concurrentRequests = concurrentRequests;
    // A queue time only means something under a cap.
    const queueMs = pick(own?.queueMs, defaults.queueMs);
    if (queueMs !== undefined) limits.queueMs = queueMs;
  }
  const budget = own?.budget ?? defaults.budget;
  if (budget && (budget.hardUsd || budget.softUsd)) limits.budget = budget;
  // Nothing to merge, nothing allocated: the common case.
  if (own?.timeouts !== undefined || defaults.timeouts !== undefined) {
    const firstByteMs = pick(own?.timeouts?.firstByteMs, defaults.timeouts?.firstByteMs);
    const idleMs = pick(own?.timeouts?.idleMs, defaults.timeouts?.idleMs);
    const totalMs = pick(own?.timeouts?.totalMs, defaults.timeouts?.totalMs);
    if (firstByteMs !== undefined || idleMs !== undefined || totalMs !== undefined) limits.timeouts = { firstByteMs, idleMs, totalMs };
  }
  return limits;
}
