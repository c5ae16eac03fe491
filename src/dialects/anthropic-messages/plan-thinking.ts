import type { IrRequest } from '../../ir/ir-types.js';

/** Claude refuses a thinking budget below this (https://docs.claude.com/en/docs/build-with-claude/extended-thinking). */
export const minimumThinkingBudget = 1024;
/** Room for the answer when the caller set no max_tokens (Anthropic requires one): the whole ceiling without thinking. */
export const defaultAnswerTokens = 4096;
/** The most each effort may think; a caller's max_tokens lowers it to half of that ceiling. */
const effortBudgets = { minimal: 1024, low: 2048, medium: 8192, high: 24576 } as const;

export interface ThinkingPlan {
  /** What goes out as `max_tokens`: the caller's own when it set one, so what is billed never exceeds it. */
  maxTokens: number;
  /** `thinking.budget_tokens`, or undefined when no thinking is sent. */
  budgetTokens: number | undefined;
  /** Why the caller's reasoning request was dropped. */
  warning: string | undefined;
}

/**
 * Fits thinking inside what the caller allowed. Claude counts thinking in `max_tokens` and wants
 * 1024 ≤ budget < max_tokens: with the caller's max_tokens, an effort thinks with at most half of it (an
 * explicit budget below it is kept), and reasoning that cannot fit is dropped with a warning rather than
 * raising the caller's ceiling. Without one, max_tokens is the budget plus the usual room for the answer.
 * A forced tool call wins over thinking, which Claude cannot combine with it.
 * The proxy reserves budgets on the same numbers (`sentMaxOutputTokens`), so they cannot disagree.
 */
export function planThinking(request: Pick<IrRequest, 'maxTokens' | 'reasoning' | 'toolChoice' | 'tools'>): ThinkingPlan {
  const { reasoning, maxTokens } = request;
  if (!reasoning) return { maxTokens: maxTokens ?? defaultAnswerTokens, budgetTokens: undefined, warning: undefined };
  const forced = request.tools.length > 0 && (request.toolChoice?.type === 'required' || request.toolChoice?.type === 'tool');
  if (forced) {
    // Claude refuses thinking with a forced tool call; the forced call is what the answer must be.
    return { maxTokens: maxTokens ?? defaultAnswerTokens, budgetTokens: undefined, warning: 'thinking dropped: Claude cannot think when tool_choice forces a tool call' };
  }
  const explicit = reasoning.budgetTokens;
  const wanted = explicit !== undefined ? Math.max(minimumThinkingBudget, explicit) : effortBudgets[reasoning.effort ?? 'medium'];
  if (maxTokens === undefined) return { maxTokens: wanted + defaultAnswerTokens, budgetTokens: wanted, warning: undefined };

  const budget = explicit !== undefined && wanted < maxTokens ? wanted : Math.min(wanted, Math.floor(maxTokens / 2));
  if (budget < minimumThinkingBudget) {
    return {
      maxTokens,
      budgetTokens: undefined,
      warning:
        `thinking dropped: max_tokens ${maxTokens} leaves no room for Claude's minimum thinking budget of ` +
        `${minimumThinkingBudget} tokens beside the answer (reasoning needs max_tokens of at least ${2 * minimumThinkingBudget})`,
    };
  }
  return { maxTokens, budgetTokens: budget, warning: undefined };
}
