import type { CapturedExchange } from '../domain/captured-exchange.js';
import type { RunCall } from '../domain/eval-outcome.js';
import { estimateTokensFromCharacters, type TokenUsage } from '../domain/token-usage.js';
import { dialects } from '../dialects/dialects.js';
import type { JsonObject } from '../dialects/wire-facts.js';
import { estimateInputTokens } from '../usage/estimate-input-tokens.js';
import type { PricedTarget } from './candidate-targets.js';
import { readAnswer } from './replay-answer.js';

/** What a replay is expected to cost before it starts. */
export interface ReplayEstimate {
  trials: number;
  /** USD: each trial at the dearest of the candidate's targets that has a price. */
  costUsd: number;
  /** Trials no candidate target has a price for: counted in no cost (a missing price never blocks traffic). */
  unpricedTrials: number;
  /** Trials whose tokens came from their original's usage row (the rest are estimated from the text). */
  fromUsageRows: number;
  /** The target whose price made most of the estimate; null when none had a price. */
  dearestTarget: string | null;
}

/**
 * The estimate of replaying these captures against the candidate: each trial's tokens are its original's
 * (input and output as the usage row counted them; cache reads priced as plain input, as the candidate may
 * not hold that cache), else estimated from the request and the captured answer (≈ 4 characters a token);
 * each trial is priced at the dearest target of the candidate, so however the group routes, the estimate is
 * not below what it could cost (retries aside).
 */
export function estimateReplayCost(captures: readonly CapturedExchange[], originals: ReadonlyMap<string, RunCall>, targets: readonly PricedTarget[]): ReplayEstimate {
  const estimate: ReplayEstimate = { trials: captures.length, costUsd: 0, unpricedTrials: 0, fromUsageRows: 0, dearestTarget: null };
  const spendByTarget = new Map<string, number>();
  for (const capture of captures) {
    const original = originals.get(capture.requestId);
    if (original) estimate.fromUsageRows++;
    const usage = original ? usageOf(original.inputTokens, original.outputTokens) : estimatedUsage(capture);
    let dearest: { id: string; costUsd: number } | undefined;
    for (const target of targets) {
      const costUsd = target.price(usage);
      if (costUsd !== null && (dearest === undefined || costUsd > dearest.costUsd)) dearest = { id: target.id, costUsd };
    }
    if (!dearest) {
      estimate.unpricedTrials++;
      continue;
    }
    estimate.costUsd += dearest.costUsd;
    spendByTarget.set(dearest.id, (spendByTarget.get(dearest.id) ?? 0) + dearest.costUsd);
  }
  estimate.dearestTarget = [...spendByTarget.entries()].sort(([, a], [, b]) => b - a)[0]?.[0] ?? null;
  return estimate;
}

function usageOf(inputTokens: number, outputTokens: number): TokenUsage {
  return { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

/** Tokens estimated from the request (through the core model when it decodes) and the original answer's text. */
function estimatedUsage(capture: CapturedExchange): TokenUsage {
  const dialect = dialects[capture.inboundDialect];
  let inputTokens: number;
  try {
    inputTokens = estimateInputTokens(dialect.decodeRequest(JSON.parse(capture.requestBody) as JsonObject));
  } catch {
    inputTokens = estimateTokensFromCharacters(capture.requestBody.length);
  }
  const answer = readAnswer(capture.inboundDialect, { status: capture.status, stream: capture.stream, body: capture.answer });
  const generated = answer.text.length + answer.toolCalls.reduce((total, call) => total + call.name.length + call.arguments.length, 0);
  return usageOf(inputTokens, estimateTokensFromCharacters(generated));
}
