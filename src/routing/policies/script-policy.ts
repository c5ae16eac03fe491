import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../config/interpolate-env.js';
import type { RouteTarget } from '../../domain/route-target.js';
import { describeTarget, type TargetDescription } from './describe-target.js';
import { targetsFromAnswer } from './policy-answer.js';
import type { PolicyFallbackLog } from './policy-fallback-log.js';
import { routingFactsOf, type PolicyContext, type RoutingFacts, type RoutingPolicy } from './routing-policy.js';

/**
 * What a policy script exports: given the call's routing facts, the usable targets (config order) and
 * their recent time to first token, the targets to try in order, as ids or as the objects it was given.
 */
export type ChooseTargets = (
  request: RoutingFacts,
  candidates: ReadonlyArray<Readonly<TargetDescription>>,
  stats: Record<string, { timeToFirstTokenMs: number | undefined; samples: number }>,
) => unknown;

/** Imports a policy script at start; a missing file or a missing `choose` stops the start, naming the field. */
export async function loadPolicyScript(path: string, field: string): Promise<ChooseTargets> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${field}: cannot load the policy script ${path}: ${(error as Error).message}`);
  }
  // An ES module exports `choose`; a CommonJS one arrives as `default` (module.exports).
  const fromDefault = module.default !== null && typeof module.default === 'object' ? (module.default as Record<string, unknown>).choose : undefined;
  const choose = module.choose ?? fromDefault;
  if (typeof choose !== 'function') throw new ConfigError(`${field}: the policy script ${path} does not export a function 'choose'`);
  return choose as ChooseTargets;
}

/**
 * The operator's own policy, in process. Its answer is bounded in time: a promise not settled within
 * `timeoutMs`, or a synchronous call that took longer, and equally a throw or an answer that is not a list
 * of offered targets, give the configured order with a log line. A script can make routing worse, never
 * make it fail. (A synchronous script that never returns would hold the process: keep `choose` short.)
 */
export class ScriptPolicy implements RoutingPolicy {
  readonly name = 'script';
  readonly skipsCoolingTargets = true;
  readonly #choose: ChooseTargets;
  readonly #timeoutMs: number;
  readonly #fallbackLog: PolicyFallbackLog;

  constructor(choose: ChooseTargets, options: { timeoutMs: number; fallbackLog: PolicyFallbackLog }) {
    this.#choose = choose;
    this.#timeoutMs = options.timeoutMs;
    this.#fallbackLog = options.fallbackLog;
  }

  order(targets: readonly RouteTarget[], context: PolicyContext): readonly RouteTarget[] | Promise<readonly RouteTarget[]> {
    const group = context.group.name;
    let answer: unknown;
    const started = performance.now();
    try {
      answer = this.#choose(routingFactsOf(targets, context), targets.map(describeTarget), context.stats.snapshot(targets.map((target) => target.id)));
    } catch (error) {
      this.#fallbackLog.fellBack(group, this.name, 'the script threw', error);
      return targets;
    }
    const elapsedMs = performance.now() - started;
    if (elapsedMs > this.#timeoutMs) {
      this.#fallbackLog.fellBack(group, this.name, `the script took ${elapsedMs.toFixed(0)} ms, over ${this.#timeoutMs} ms`);
      return targets;
    }
    if (answer !== null && typeof (answer as { then?: unknown })?.then === 'function') {
      return this.#awaitAnswer(Promise.resolve(answer), targets, group);
    }
    return this.#accept(answer, targets, group);
  }

  #awaitAnswer(answer: Promise<unknown>, targets: readonly RouteTarget[], group: string): Promise<readonly RouteTarget[]> {
    return new Promise((resolveOrder) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        this.#fallbackLog.fellBack(group, this.name, `no answer within ${this.#timeoutMs} ms`);
        resolveOrder(targets);
      }, this.#timeoutMs);
      answer.then(
        (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolveOrder(this.#accept(value, targets, group));
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.#fallbackLog.fellBack(group, this.name, 'the script rejected', error);
          resolveOrder(targets);
        },
      );
    });
  }

  #accept(answer: unknown, targets: readonly RouteTarget[], group: string): readonly RouteTarget[] {
    const ordered = targetsFromAnswer(answer, targets);
    if (ordered) return ordered;
    this.#fallbackLog.fellBack(group, this.name, 'the answer was not a list of offered target ids');
    return targets;
  }
}
