import type { FastifyInstance } from 'fastify';
import { identitySubjects, type IdentitySubject } from '../../policy/admission.js';
import { authenticate } from '../../policy/authenticate.js';
import { budgetPeriodOf } from '../../policy/budget-period.js';
import type { UsageTotals } from '../../domain/usage-summary.js';
import type { GatewayServices } from '../gateway-services.js';
import type { ServicesHolder } from '../reload/services-holder.js';
import { refuseUnknownQueryParameters } from '../http/refuse-unknown-query-parameters.js';
import { answerJson } from '../http/answer-json.js';

/**
 * `GET /v1/usage`: the caller's own usage and what remains, for its key, user and team — limits in force,
 * spend against budgets this period, and calls, tokens and cost today and this month.
 */
export function registerUsageRoute(app: FastifyInstance, holder: ServicesHolder): void {
  // Called by SDKs of either family: its errors answer in the shape the caller's headers suggest.
  app.get('/v1/usage', { config: { errorsInCallerShape: true } }, async (request, reply) => {
    const services = holder.current;
    const caller = await authenticate(request.headers, services.keyView);
    // The answer is always the caller's own key, user and team: there is nothing to filter or page.
    refuseUnknownQueryParameters(request.query, []);
    const subjects = identitySubjects(caller.key, services.principals, services.limitDefaults);
    const now = Date.now();
    const body: Record<string, unknown> = { object: 'usage', generatedAt: new Date(now).toISOString() };
    for (const subject of subjects) body[subject.scope] = await describeSubject(subject, services, now, subject.scope === 'key' ? caller.key.name : subject.id);
    answerJson(reply, body);
  });
}

async function describeSubject(subject: IdentitySubject, services: GatewayServices, now: number, name: string): Promise<Record<string, unknown>> {
  const day = budgetPeriodOf('day', now);
  const month = budgetPeriodOf('month', now);
  const [today, thisMonth] = await Promise.all([
    services.store.usageTotals({ scope: subject.scope, subject: subject.id, since: day.start }),
    services.store.usageTotals({ scope: subject.scope, subject: subject.id, since: month.start }),
  ]);
  const description: Record<string, unknown> = { name, limits: subject.limits, usage: { today: totalsJson(today), thisMonth: totalsJson(thisMonth) } };
  const budget = subject.limits.budget;
  if (budget) {
    const period = budgetPeriodOf(budget.period, now);
    const account = `${subject.scope}:${subject.id}:${period.label}`;
    // The ledger knows reservations in flight; the store knows everything written so far.
    const totals = await services.store.usageTotals({ scope: subject.scope, subject: subject.id, since: period.start });
    const stored = services.pricer.preferBilled ? totals.costPreferringBilledUsd : totals.costUsd;
    const spentUsd = Math.max(stored, await services.budgetLedger.spent(account));
    description.budget = {
      period: budget.period,
      periodStart: new Date(period.start).toISOString(),
      periodEnd: new Date(period.end).toISOString(),
      hardUsd: budget.hardUsd ?? null,
      softUsd: budget.softUsd ?? null,
      spentUsd,
      remainingUsd: budget.hardUsd === undefined ? null : Math.max(0, budget.hardUsd - spentUsd),
    };
  }
  return description;
}

/** A period's totals as `/v1/usage` shows them: Sluice's price, and beside it what upstreams billed. */
function totalsJson(totals: UsageTotals): Omit<UsageTotals, 'costPreferringBilledUsd'> {
  return { requests: totals.requests, inputTokens: totals.inputTokens, outputTokens: totals.outputTokens, costUsd: totals.costUsd, billedCostUsd: totals.billedCostUsd };
}
