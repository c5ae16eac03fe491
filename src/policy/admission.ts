import { GatewayError } from '../errors/gateway-error.js';
import type { KeyRecord } from '../domain/key-record.js';
import type { LimitSettings } from '../domain/limits.js';
import type { AdmissionScope, LimitSubject, SubjectScope } from '../domain/limit-subject.js';
import type { BudgetCharge, BudgetLedger, ReserveOutcome } from './budget-ledger.js';
import { budgetPeriodOf } from './budget-period.js';
import { effectiveLimits } from './effective-limits.js';
import type { ChargeOutcome, LimitCharge, LimitCounters, LimitSettlement, SlotCharge, WindowCharge, WindowState } from './limit-counters.js';
import { keyGroupSubject, type GroupLimits } from './group-limits.js';
import type { PrincipalView } from './principal-view.js';
import type { AbortNotice, SlotQueue } from './slot-queue.js';
import { waitForSlot, type SlotWait } from './wait-for-slot.js';

const minuteMs = 60_000;

/**
 * The key, its user and its team, each with the limits that apply to it; for a call to a model group, the
 * group (when it sets limits or a budget) and the key's share of it (`groupBudgets`), so one admission
 * charges them all, all or nothing.
 */
export function limitSubjects(
  key: KeyRecord,
  principals: PrincipalView,
  defaults: Record<SubjectScope, LimitSettings>,
  group?: GroupLimits,
): LimitSubject[] {
  const subjects: LimitSubject[] = identitySubjects(key, principals, defaults);
  if (group !== undefined) {
    if (group.subject !== undefined) subjects.push(group.subject);
    const share = keyGroupSubject(key, group);
    if (share !== undefined) subjects.push(share);
  }
  return subjects;
}

/** A subject that is an identity: the key, its user or its team. */
export type IdentitySubject = LimitSubject & { scope: SubjectScope };

/** The key, its user and its team, each with the limits that apply to it (`/v1/usage` shows these). */
export function identitySubjects(key: KeyRecord, principals: PrincipalView, defaults: Record<SubjectScope, LimitSettings>): IdentitySubject[] {
  const subjects: IdentitySubject[] = [{ scope: 'key', id: key.id, limits: effectiveLimits(key.limits, defaults.key) }];
  if (key.userName) subjects.push({ scope: 'user', id: key.userName, limits: effectiveLimits(principals.find('user', key.userName)?.limits, defaults.user) });
  if (key.teamName) subjects.push({ scope: 'team', id: key.teamName, limits: effectiveLimits(principals.find('team', key.teamName)?.limits, defaults.team) });
  return subjects;
}

/** A request let in: its rate-limit headers, and what must happen when it ends. */
export interface Admission {
  headers: Record<string, string>;
  /** Whether a budget reservation is held (the caller should price the call for `finish`). */
  holdsBudget: boolean;
  /**
   * Settles the token estimate to the real count and the budget reservation to the real cost, and gives the
   * concurrency slots back, all in one go (with Redis, a share of one batched script call, sent within a few
   * ms). Idempotent.
   */
  finish(actual: { tokens: number; costUsd: number }): Promise<void>;
}

const names = { requests: 'requests_per_minute', tokens: 'tokens_per_minute' } as const;

/**
 * Rate limits, concurrency caps and budgets for one request, all-or-nothing across key, user and team:
 * either everything is charged or nothing is, so a refused request never eats anyone's quota. The limit
 * charge and the budget reservation are asked in the same turn: with Redis, admission is one script call.
 *
 * A full concurrency slot whose subject sets `queueMs` is waited for, first come first served, instead of
 * refused (see wait-for-slot.ts); the budget reservation is held meanwhile, and windows are charged when the
 * slot is taken. Without `queueMs` none of this runs: no extra await, no allocation.
 */
export async function admit(options: {
  subjects: LimitSubject[];
  counters: LimitCounters;
  /** Called only when a token limit applies: the request's estimated tokens (prompt + max output). */
  estimateTokens: () => number;
  /** Called only when a budget applies: the most the call can cost. */
  maximumCostUsd?: () => number;
  ledger?: BudgetLedger;
  /** The clock of budget periods, retry-after and queue waits; the same one the counters use, in tests. Date.now by default. */
  now?: () => number;
  /** Requests waiting for concurrency slots, shared by every admission of the process; without it a full slot is refused at once. */
  queue?: SlotQueue;
  /** The caller going away: a request waiting for a slot leaves the queue at once. */
  signal?: AbortNotice;
  /** Given the time a request spent waiting for a slot, when it waited (the request context: its row's `queue_wait_ms`). */
  waitRecord?: { queueWaitMs: number | null };
}): Promise<Admission> {
  const { subjects, counters, ledger } = options;
  const now = options.now ?? Date.now;
  const needsTokens = subjects.some((subject) => subject.limits.tokensPerMinute !== undefined);
  const estimate = needsTokens ? options.estimateTokens() : 0;
  const windows: WindowCharge[] = [];
  const slots: SlotCharge[] = [];
  let queues = false;
  for (const subject of subjects) {
    const { requestsPerMinute, tokensPerMinute, concurrentRequests, queueMs } = subject.limits;
    const named = subject.counterNames;
    if (requestsPerMinute !== undefined) windows.push({ counter: named?.requests ?? `requests:${subject.scope}:${subject.id}`, limit: requestsPerMinute, amount: 1 });
    if (tokensPerMinute !== undefined) windows.push({ counter: named?.tokens ?? `tokens:${subject.scope}:${subject.id}`, limit: tokensPerMinute, amount: estimate });
    if (concurrentRequests !== undefined) {
      slots.push({ counter: named?.concurrency ?? `concurrency:${subject.scope}:${subject.id}`, limit: concurrentRequests, queueMs });
      if (queueMs !== undefined) queues = true;
    }
  }
  const queue = queues ? options.queue : undefined;
  const budgetCharges = ledger ? budgetChargesOf(subjects, now()) : [];
  const reservedUsd = budgetCharges.length > 0 ? (options.maximumCostUsd?.() ?? 0) : 0;
  const charge: LimitCharge | undefined = windows.length > 0 || slots.length > 0 ? { windows, windowMs: minuteMs, slots } : undefined;
  // First come, first served: a request that finds others waiting for one of its slots queues behind them
  // rather than taking a slot that was just given back to the first of them.
  const queueBehind = queue === undefined ? undefined : slots.find((slot) => slot.queueMs !== undefined && queue.hasWaiters(slot.counter));

  const [limitResult, budgetResult] = await Promise.allSettled([
    queueBehind !== undefined
      ? ({ admitted: false, states: [], refused: { slot: queueBehind } } satisfies ChargeOutcome)
      : charge !== undefined
        ? counters.charge(charge)
        : undefined,
    ledger && budgetCharges.length > 0 ? ledger.reserve(budgetCharges, reservedUsd) : undefined,
  ]);
  let limits = limitResult.status === 'fulfilled' ? limitResult.value : undefined;
  let limitError: unknown = limitResult.status === 'rejected' ? limitResult.reason : undefined;
  const budget = budgetResult.status === 'fulfilled' ? budgetResult.value : undefined;
  const budgetRefused = budgetResult.status === 'rejected' || (budget !== undefined && !budget.admitted);

  let wait: SlotWait | undefined;
  const refusedSlot = limits !== undefined && !limits.admitted && 'slot' in limits.refused ? limits.refused.slot : undefined;
  if (queue !== undefined && charge !== undefined && refusedSlot?.queueMs !== undefined && !budgetRefused) {
    try {
      wait = await waitForSlot({ queue, counters, charge, slot: { ...refusedSlot, queueMs: refusedSlot.queueMs }, signal: options.signal, now });
      if (wait.outcome !== undefined) limits = wait.outcome;
      if (wait.ending !== 'full' && options.waitRecord !== undefined) options.waitRecord.queueWaitMs = wait.waitedMs;
    } catch (error) {
      limits = undefined;
      limitError = error;
    }
  }

  const states = limits?.states ?? [];
  const limitsHeld = limits?.admitted === true;
  let reservationId = budget?.admitted ? budget.reservationId : undefined;
  const windowStartOf = (index: number) => (states[index]?.resetAt ?? 0) - minuteMs;

  const refusal =
    limitError !== undefined
      ? limitError
      : wait !== undefined && (wait.ending === 'timeout' || wait.ending === 'full' || wait.ending === 'aborted')
        ? queueRefusal(wait, queue!)
        : limits && !limits.admitted
          ? limitRefusal(limits, states, now)
          : budgetResult.status === 'rejected'
            ? budgetResult.reason
            : budget && !budget.admitted
              ? budgetRefusal(budget, budgetCharges, subjects, reservedUsd)
              : wait !== undefined && options.signal?.aborted === true
                ? callerGoneWhileQueued()
                : undefined;
  if (refusal !== undefined) {
    // Give back whatever the other check took.
    await Promise.all([
      limitsHeld
        ? counters.settle({ adjustments: windows.map((window, index) => ({ counter: window.counter, windowStart: windowStartOf(index), delta: -window.amount })), slots: slots.map((slot) => slot.counter) })
        : undefined,
      reservationId && ledger ? ledger.release(reservationId) : undefined,
    ]);
    if (limitsHeld) announceReleased(options.queue, slots);
    throw refusal;
  }

  const headers = rateLimitHeaders(states, now);
  if (budget?.admitted && budget.softCapReached.length > 0) {
    headers['x-sluice-budget-warning'] = budget.softCapReached.map((account) => `soft budget reached for ${softCapHolder(account, budgetCharges)}`).join('; ');
  }
  let finished = false;
  return {
    headers,
    holdsBudget: reservationId !== undefined,
    async finish(actual) {
      if (finished) return;
      finished = true;
      const tokenDelta = actual.tokens - estimate;
      const adjustments: LimitSettlement['adjustments'] = [];
      if (tokenDelta !== 0) {
        for (let index = 0; index < windows.length; index++) {
          const counter = windows[index]!.counter;
          if (counter.startsWith('tokens:')) adjustments.push({ counter, windowStart: windowStartOf(index), delta: tokenDelta });
        }
      }
      const reservation = reservationId;
      reservationId = undefined;
      const settlesLimits = limitsHeld && (adjustments.length > 0 || slots.length > 0);
      // The usual key (a request window only) has nothing to settle: no promise, no round trip.
      if (!settlesLimits && !reservation) return;
      await Promise.all([
        settlesLimits ? counters.settle({ adjustments, slots: slots.map((slot) => slot.counter), sendNow: hasWaiters(queue, slots) }) : undefined,
        reservation && ledger ? ledger.settle(reservation, actual.costUsd) : undefined,
      ]);
      if (settlesLimits) announceReleased(options.queue, slots);
    },
  };
}

/** Whether a request of this process waits for one of these slots (then a batching backend settles at once). */
function hasWaiters(queue: SlotQueue | undefined, slots: SlotCharge[]): boolean {
  if (queue === undefined) return false;
  for (const slot of slots) if (queue.hasWaiters(slot.counter)) return true;
  return false;
}

/**
 * Tells requests queued on this instance that slots were given back. Every slot, not only those with a
 * queue time: requests admitted before a queue time was set give back slots that queued ones wait for.
 */
function announceReleased(queue: SlotQueue | undefined, slots: SlotCharge[]): void {
  if (queue === undefined) return;
  for (const slot of slots) queue.released(slot.counter);
}

/**
 * Who a refusal is about, in words: `this key`, `the group 'big-coder'`. An identity is the caller's own (its
 * id would mean nothing to it); a group is named, since the caller may not know which one its model is in.
 */
function holderOf(scope: AdmissionScope, id: string, group?: string): string {
  if (scope === 'group') return `the group '${id}'`;
  if (scope === 'key_group') return `this key in the group '${group ?? ''}'`;
  return `this ${scope}`;
}

/** `scope:id` of a counter named `kind:scope:id` (a group's name may hold no ':', an id none either). */
function holderOfCounter(counter: string): { scope: AdmissionScope; text: string } {
  const [, scope, id] = counter.split(':') as [string, AdmissionScope, string];
  return { scope, text: holderOf(scope, id) };
}

/** Historically the scope's name (`key`, `team`); a group's account now names the group. */
function softCapHolder(account: string, charges: BudgetCharge[]): string {
  const charge = charges.find((candidate) => candidate.account === account);
  if (charge === undefined || (charge.scope !== 'group' && charge.scope !== 'key_group')) return account.split(':')[0]!;
  return holderOf(charge.scope, charge.subject, charge.group);
}

function concurrencyRefusal(slot: SlotCharge, detail: string): GatewayError {
  const { scope, text } = holderOfCounter(slot.counter);
  return new GatewayError('concurrency_limited', `Too many requests in flight for ${text}: at most ${slot.limit} at once${detail}.`, {
    headers: { 'retry-after': '1' },
    reason: `concurrency_limited.${scope}`,
  });
}

function queueRefusal(wait: SlotWait, queue: SlotQueue): GatewayError {
  if (wait.ending === 'aborted') return callerGoneWhileQueued();
  if (wait.ending === 'full') return concurrencyRefusal(wait.slot, `, and ${queue.waiting(wait.slot.counter)} requests are already waiting for a slot`);
  return concurrencyRefusal(wait.slot, `; no slot came free within ${wait.slot.queueMs ?? 0} ms`);
}

function callerGoneWhileQueued(): GatewayError {
  return new GatewayError('client_closed_request', 'The client closed the request while it waited for a concurrency slot.');
}

function limitRefusal(outcome: Extract<ChargeOutcome, { admitted: false }>, states: WindowState[], now: () => number): GatewayError {
  if ('slot' in outcome.refused) return concurrencyRefusal(outcome.refused.slot, '');
  const refused = outcome.refused.window;
  const kind = refused.counter.slice(0, refused.counter.indexOf(':')) as 'requests' | 'tokens';
  const { scope, text } = holderOfCounter(refused.counter);
  const retryAfter = Math.max(1, Math.ceil((refused.resetAt - now()) / 1000));
  return new GatewayError('rate_limited', `Rate limit reached for ${text}: ${refused.limit} ${kind} per minute. Retry in ${retryAfter} s.`, {
    headers: { ...rateLimitHeaders(states, now), 'retry-after': String(retryAfter) },
    reason: `rate_limited.${scope}.${names[kind]}`,
  });
}

const periodAdjectives = { day: 'daily', week: 'weekly', month: 'monthly' } as const;

/**
 * Says why, with the numbers that decided it: the request is refused when its reserved maximum cost does not
 * fit in what remains, which is usually before the budget is spent ("$0.0095 spent of $0.02" alone reads as
 * a wrong refusal while $0.0105 remains).
 */
function budgetRefusal(outcome: Extract<ReserveOutcome, { admitted: false }>, charges: BudgetCharge[], subjects: LimitSubject[], reservedUsd: number): GatewayError {
  const charge = charges.find((candidate) => candidate.account === outcome.refusedAccount)!;
  const period = subjects.find((subject) => subject.scope === charge.scope)?.limits.budget?.period ?? 'month';
  const hardUsd = charge.hardUsd ?? 0;
  const remainingUsd = Math.max(0, hardUsd - outcome.spentUsd);
  const budget = `the ${formatUsd(hardUsd)} ${periodAdjectives[period]} budget`;
  const holder = holderOf(charge.scope, charge.subject, charge.group);
  const message =
    remainingUsd <= 0
      ? `Budget exhausted for ${holder}: ${formatUsd(outcome.spentUsd)} spent or reserved of ${budget}.`
      : `Budget for ${holder} cannot cover this request: its maximum cost, ${formatUsd(reservedUsd)}, reserved before the call ` +
        `(prompt estimate plus max_tokens at the model's price), is more than the ${formatUsd(remainingUsd)} left of ${budget} ` +
        `(${formatUsd(outcome.spentUsd)} spent or reserved). Lower max_tokens or raise the budget.`;
  return new GatewayError('budget_exceeded', message, { reason: `budget_exceeded.${charge.scope}` });
}

/** `$0.0105`, `$0.02`, `$25.00`: cents for dollars, up to six decimals below a dollar, never float noise. */
function formatUsd(value: number): string {
  if (value >= 1) return `$${value.toFixed(2)}`;
  return `$${value.toFixed(6).replace(/0{1,4}$/, '')}`;
}

/** One ledger account per subject with a budget, for the calendar period it is in now. */
function budgetChargesOf(subjects: LimitSubject[], now: number): BudgetCharge[] {
  const charges: BudgetCharge[] = [];
  for (const subject of subjects) {
    const budget = subject.limits.budget;
    if (!budget) continue;
    const period = budgetPeriodOf(budget.period, now);
    charges.push({
      account: subject.group === undefined ? `${subject.scope}:${subject.id}:${period.label}` : `${subject.scope}:${subject.id}:${subject.group}:${period.label}`,
      scope: subject.scope,
      subject: subject.id,
      group: subject.group,
      periodStart: period.start,
      periodEnd: period.end,
      // 0 means no cap, as for every other limit: a hard cap of 0 would refuse every call.
      hardUsd: budget.hardUsd || undefined,
      softUsd: budget.softUsd || undefined,
    });
  }
  return charges;
}

/** OpenAI-style headers for the tightest request and token limits (one pass: this runs on every request). */
function rateLimitHeaders(states: WindowState[], clock: () => number): Record<string, string> {
  const headers: Record<string, string> = {};
  if (states.length === 0) return headers;
  let requests: WindowState | undefined;
  let tokens: WindowState | undefined;
  for (const state of states) {
    if (state.counter.startsWith('requests:')) {
      if (!requests || state.limit - state.used < requests.limit - requests.used) requests = state;
    } else if (!tokens || state.limit - state.used < tokens.limit - tokens.used) {
      tokens = state;
    }
  }
  const now = clock();
  if (requests) {
    headers['x-ratelimit-limit-requests'] = String(requests.limit);
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, requests.limit - requests.used));
    headers['x-ratelimit-reset-requests'] = resetIn(requests, now);
  }
  if (tokens) {
    headers['x-ratelimit-limit-tokens'] = String(tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, tokens.limit - tokens.used));
    headers['x-ratelimit-reset-tokens'] = resetIn(tokens, now);
  }
  return headers;
}

function resetIn(state: WindowState, now: number): string {
  return `${Math.max(0, Math.ceil((state.resetAt - now) / 1000))}s`;
}
