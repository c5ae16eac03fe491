import { GatewayError } from '../errors/gateway-error.js';
import type { KeyRecord, LimitSettings, PrincipalKind } from '../store/store.js';
import type { BudgetCharge, BudgetLedger } from './budget-ledger.js';
import { budgetPeriodOf } from './budget-period.js';
import { effectiveLimits } from './effective-limits.js';
import type { LimitCounters, WindowCharge, WindowState } from './limit-counters.js';
import type { PrincipalView } from './principal-view.js';

const minuteMs = 60_000;

export type SubjectScope = 'key' | PrincipalKind;

export interface LimitSubject {
  scope: SubjectScope;
  id: string;
  limits: LimitSettings;
}

/** The key, its user and its team, each with the limits that apply to it. */
export function limitSubjects(key: KeyRecord, principals: PrincipalView, defaults: Record<SubjectScope, LimitSettings>): LimitSubject[] {
  const subjects: LimitSubject[] = [{ scope: 'key', id: key.id, limits: effectiveLimits(key.limits, defaults.key) }];
  if (key.userName) subjects.push({ scope: 'user', id: key.userName, limits: effectiveLimits(principals.find('user', key.userName)?.limits, defaults.user) });
  if (key.teamName) subjects.push({ scope: 'team', id: key.teamName, limits: effectiveLimits(principals.find('team', key.teamName)?.limits, defaults.team) });
  return subjects;
}

/** A request let in: its rate-limit headers, and what must happen when it ends. */
export interface Admission {
  headers: Record<string, string>;
  /** Settles the token estimate to the real count. */
  settleTokens(actualTokens: number): Promise<void>;
  /** Whether a budget reservation is held (the caller should price the call and settle it). */
  holdsBudget: boolean;
  /** Settles the budget reservation to the real cost. */
  settleCost(actualUsd: number): Promise<void>;
  /** Gives back concurrency slots and any unsettled budget reservation. Idempotent. */
  release(): Promise<void>;
}

const names = { requests: 'requests_per_minute', tokens: 'tokens_per_minute' } as const;

/**
 * Rate limits and concurrency caps for one request, all-or-nothing across key, user and team: either every
 * counter is charged or none is, so a refused request never eats anyone's quota.
 */
export async function admit(options: {
  subjects: LimitSubject[];
  counters: LimitCounters;
  /** Called only when a token limit applies: the request's estimated tokens (prompt + max output). */
  estimateTokens: () => number;
  /** Called only when a budget applies: the most the call can cost. */
  maximumCostUsd?: () => number;
  ledger?: BudgetLedger;
}): Promise<Admission> {
  const { subjects, counters } = options;
  const charges: WindowCharge[] = [];
  const needsTokens = subjects.some((subject) => subject.limits.tokensPerMinute !== undefined);
  const estimate = needsTokens ? options.estimateTokens() : 0;
  for (const subject of subjects) {
    if (subject.limits.requestsPerMinute !== undefined) charges.push({ counter: `requests:${subject.scope}:${subject.id}`, limit: subject.limits.requestsPerMinute, amount: 1 });
    if (subject.limits.tokensPerMinute !== undefined) charges.push({ counter: `tokens:${subject.scope}:${subject.id}`, limit: subject.limits.tokensPerMinute, amount: estimate });
  }

  let states: WindowState[] = [];
  if (charges.length > 0) {
    const outcome = await counters.charge(charges, minuteMs);
    states = outcome.states;
    if (!outcome.admitted) {
      const [kind, scope] = outcome.refused.counter.split(':') as ['requests' | 'tokens', SubjectScope];
      const retryAfter = Math.max(1, Math.ceil((outcome.refused.resetAt - Date.now()) / 1000));
      throw new GatewayError('rate_limited', `Rate limit reached for this ${scope}: ${outcome.refused.limit} ${kind} per minute. Retry in ${retryAfter} s.`, {
        headers: { ...rateLimitHeaders(states), 'retry-after': String(retryAfter) },
        reason: `rate_limited.${scope}.${names[kind]}`,
      });
    }
  }

  const slots: string[] = [];
  let reservationId: string | undefined;
  const releaseSlots = async () => {
    const taken = slots.splice(0);
    await Promise.all(taken.map((slot) => counters.releaseSlot(slot)));
  };
  const release = async () => {
    await releaseSlots();
    const reservation = reservationId;
    reservationId = undefined;
    if (reservation && options.ledger) await options.ledger.release(reservation);
  };
  for (const subject of subjects) {
    const limit = subject.limits.concurrentRequests;
    if (limit === undefined) continue;
    const slot = `concurrency:${subject.scope}:${subject.id}`;
    if (!(await counters.acquireSlot(slot, limit))) {
      await release();
      throw new GatewayError('concurrency_limited', `Too many requests in flight for this ${subject.scope}: at most ${limit} at once.`, {
        headers: { 'retry-after': '1' },
        reason: `concurrency_limited.${subject.scope}`,
      });
    }
    slots.push(slot);
  }

  const headers = rateLimitHeaders(states);
  const budgetCharges = budgetChargesOf(subjects, Date.now());
  if (budgetCharges.length > 0 && options.ledger) {
    const outcome = await options.ledger.reserve(budgetCharges, options.maximumCostUsd?.() ?? 0);
    if (!outcome.admitted) {
      await releaseSlots();
      const charge = budgetCharges.find((candidate) => candidate.account === outcome.refusedAccount)!;
      const period = subjects.find((subject) => subject.scope === charge.scope)?.limits.budget?.period ?? 'month';
      throw new GatewayError(
        'budget_exceeded',
        `Budget exhausted for this ${charge.scope}: $${outcome.spentUsd.toFixed(4)} spent of $${charge.hardUsd} this ${period}.`,
        { reason: `budget_exceeded.${charge.scope}` },
      );
    }
    reservationId = outcome.reservationId;
    if (outcome.softCapReached.length > 0) {
      headers['x-sluice-budget-warning'] = outcome.softCapReached.map((account) => `soft budget reached for ${account.split(':')[0]}`).join('; ');
    }
  }

  const windowStart = Math.floor(Date.now() / minuteMs) * minuteMs;
  return {
    headers,
    holdsBudget: reservationId !== undefined,
    async settleCost(actualUsd) {
      const reservation = reservationId;
      reservationId = undefined;
      if (reservation && options.ledger) await options.ledger.settle(reservation, actualUsd);
    },
    async settleTokens(actualTokens) {
      const delta = actualTokens - estimate;
      if (delta === 0) return;
      await Promise.all(
        charges.filter((charge) => charge.counter.startsWith('tokens:')).map((charge) => counters.adjust(charge.counter, windowStart, minuteMs, delta)),
      );
    },
    release,
  };
}

/** One ledger account per subject with a budget, for the calendar period it is in now. */
function budgetChargesOf(subjects: LimitSubject[], now: number): BudgetCharge[] {
  return subjects.flatMap((subject) => {
    const budget = subject.limits.budget;
    if (!budget) return [];
    const period = budgetPeriodOf(budget.period, now);
    return [
      {
        account: `${subject.scope}:${subject.id}:${period.label}`,
        scope: subject.scope,
        subject: subject.id,
        periodStart: period.start,
        periodEnd: period.end,
        hardUsd: budget.hardUsd,
        softUsd: budget.softUsd,
      },
    ];
  });
}

/** OpenAI-style headers for the tightest request and token limits. */
function rateLimitHeaders(states: WindowState[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of ['requests', 'tokens'] as const) {
    const tightest = states
      .filter((state) => state.counter.startsWith(`${kind}:`))
      .sort((left, right) => left.limit - left.used - (right.limit - right.used))[0];
    if (!tightest) continue;
    headers[`x-ratelimit-limit-${kind}`] = String(tightest.limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, tightest.limit - tightest.used));
    headers[`x-ratelimit-reset-${kind}`] = `${Math.max(0, Math.ceil((tightest.resetAt - Date.now()) / 1000))}s`;
  }
  return headers;
}
