import { EventEmitter } from 'node:events';
import { request, type Dispatcher } from 'undici';
import type { RouteTarget } from '../../domain/route-target.js';
import { targetsFromAnswer } from './policy-answer.js';
import type { PolicyFallbackLog } from './policy-fallback-log.js';
import { routingFactsOf, type PolicyContext, type RoutingPolicy } from './routing-policy.js';

/** Largest answer read from a policy service: a list of target ids is a few hundred bytes. */
const maximumAnswerBytes = 64 * 1024;

const timedOut = Symbol('timed out');

/**
 * An HTTP policy service: each call POSTs its routing facts (JSON, never the messages) to `url` and expects
 * `{"order": ["provider:model", …]}` within `timeoutMs` (default 50 ms). A timeout, a refused connection, a
 * status other than 200 or an answer that is not a list of offered targets gives the configured order with
 * a log line, so the service being down costs at most `timeoutMs`, never the call.
 */
export class ExternalPolicy implements RoutingPolicy {
  readonly name = 'external';
  readonly skipsCoolingTargets = true;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher;
  readonly #fallbackLog: PolicyFallbackLog;

  constructor(options: { url: string; timeoutMs: number; dispatcher: Dispatcher; fallbackLog: PolicyFallbackLog }) {
    this.#url = options.url;
    this.#timeoutMs = options.timeoutMs;
    this.#dispatcher = options.dispatcher;
    this.#fallbackLog = options.fallbackLog;
  }

  async order(targets: readonly RouteTarget[], context: PolicyContext): Promise<readonly RouteTarget[]> {
    const group = context.group.name;
    // undici takes an EventEmitter as the signal: cheaper than an AbortController per call.
    const abort = new EventEmitter();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof timedOut>((resolve) => {
      timer = setTimeout(() => {
        abort.emit('abort');
        resolve(timedOut);
      }, this.#timeoutMs);
    });
    const answer = this.#ask(JSON.stringify(routingFactsOf(targets, context)), abort).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const outcome = await Promise.race([answer, deadline]);
    clearTimeout(timer);
    if (outcome === timedOut) {
      this.#fallbackLog.fellBack(group, this.name, `no answer from ${this.#url} within ${this.#timeoutMs} ms`);
      return targets;
    }
    if ('error' in outcome) {
      this.#fallbackLog.fellBack(group, this.name, `${this.#url} failed`, outcome.error);
      return targets;
    }
    const ordered = targetsFromAnswer((outcome.value as { order?: unknown } | null)?.order, targets);
    if (ordered) return ordered;
    this.#fallbackLog.fellBack(group, this.name, `${this.#url} answered something other than {"order": [offered target ids]}`);
    return targets;
  }

  async #ask(body: string, abort: EventEmitter): Promise<unknown> {
    const response = await request(this.#url, {
      method: 'POST',
      dispatcher: this.#dispatcher,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal: abort,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`the policy service answered ${response.statusCode}`);
    }
    const length = Number(response.headers['content-length'] ?? 0);
    if (length > maximumAnswerBytes) {
      await response.body.dump();
      throw new Error(`the policy service answered ${length} bytes`);
    }
    return response.body.json();
  }
}
