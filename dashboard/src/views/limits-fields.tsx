import type { LimitSettings } from '../contract.js';
import { usd } from '../format.js';

/** The limits form's text fields; empty means "inherit the default". */
export interface LimitDraft {
  requestsPerMinute: string;
  tokensPerMinute: string;
  concurrentRequests: string;
  budgetPeriod: '' | 'day' | 'week' | 'month';
  softUsd: string;
  hardUsd: string;
}

export function limitDraft(limits: LimitSettings = {}): LimitDraft {
  const text = (value: number | undefined) => (value === undefined ? '' : String(value));
  return {
    requestsPerMinute: text(limits.requestsPerMinute),
    tokensPerMinute: text(limits.tokensPerMinute),
    concurrentRequests: text(limits.concurrentRequests),
    budgetPeriod: limits.budget?.period ?? '',
    softUsd: text(limits.budget?.softUsd),
    hardUsd: text(limits.budget?.hardUsd),
  };
}

/** The admin API's `limits` from the draft; a bad number is an error naming the field. */
export function limitsFromDraft(draft: LimitDraft, keep: LimitSettings = {}): LimitSettings {
  const limits: LimitSettings = { ...keep };
  delete limits.requestsPerMinute;
  delete limits.tokensPerMinute;
  delete limits.concurrentRequests;
  delete limits.budget;
  const whole = (text: string, name: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0.`);
    return value;
  };
  const dollars = (text: string, name: string) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be an amount in USD ≥ 0.`);
    return value;
  };
  if (draft.requestsPerMinute !== '') limits.requestsPerMinute = whole(draft.requestsPerMinute, 'Requests per minute');
  if (draft.tokensPerMinute !== '') limits.tokensPerMinute = whole(draft.tokensPerMinute, 'Tokens per minute');
  if (draft.concurrentRequests !== '') limits.concurrentRequests = whole(draft.concurrentRequests, 'Concurrent requests');
  if (draft.budgetPeriod !== '') {
    limits.budget = { period: draft.budgetPeriod };
    if (draft.softUsd !== '') limits.budget.softUsd = dollars(draft.softUsd, 'Soft budget');
    if (draft.hardUsd !== '') limits.budget.hardUsd = dollars(draft.hardUsd, 'Hard budget');
  } else if (draft.softUsd !== '' || draft.hardUsd !== '') {
    throw new Error('Choose a budget period for the budget.');
  }
  return limits;
}

export function LimitsFields(props: { draft: LimitDraft; onChange: (draft: LimitDraft) => void }) {
  const { draft, onChange } = props;
  const input = (name: Exclude<keyof LimitDraft, 'budgetPeriod'>, label: string, step = '1') => (
    <label>
      {label}
      <input name={name} type="number" min="0" step={step} value={draft[name]} placeholder="default" onInput={(event) => onChange({ ...draft, [name]: (event.target as HTMLInputElement).value })} />
    </label>
  );
  return (
    <fieldset class="limits">
      <legend>Limits (empty: the configured default; 0: none)</legend>
      {input('requestsPerMinute', 'Requests / min')}
      {input('tokensPerMinute', 'Tokens / min')}
      {input('concurrentRequests', 'Concurrent')}
      <label>
        Budget period
        <select name="budgetPeriod" value={draft.budgetPeriod} onChange={(event) => onChange({ ...draft, budgetPeriod: (event.target as HTMLSelectElement).value as LimitDraft['budgetPeriod'] })}>
          <option value="">no budget</option>
          <option value="day">day</option>
          <option value="week">week</option>
          <option value="month">month</option>
        </select>
      </label>
      {input('softUsd', 'Soft budget (USD)', '0.01')}
      {input('hardUsd', 'Hard budget (USD)', '0.01')}
    </fieldset>
  );
}

/** A one-line summary of limits for tables. */
export function limitsSummary(limits: LimitSettings): string {
  const parts: string[] = [];
  if (limits.requestsPerMinute !== undefined) parts.push(`${limits.requestsPerMinute} req/min`);
  if (limits.tokensPerMinute !== undefined) parts.push(`${limits.tokensPerMinute} tok/min`);
  if (limits.concurrentRequests !== undefined) parts.push(`${limits.concurrentRequests} at once`);
  if (limits.budget) {
    const caps = [limits.budget.softUsd !== undefined && `${usd(limits.budget.softUsd)} soft`, limits.budget.hardUsd !== undefined && `${usd(limits.budget.hardUsd)} hard`].filter(Boolean);
    parts.push(`budget ${caps.length > 0 ? caps.join(' / ') : 'none'} per ${limits.budget.period}`);
  }
  return parts.length > 0 ? parts.join(' · ') : 'defaults';
}

/** "a, b" → ["a", "b"]; empty → null (any model). */
export function modelList(text: string): string[] | null {
  const models = text
    .split(',')
    .map((model) => model.trim())
    .filter((model) => model.length > 0);
  return models.length > 0 ? models : null;
}
