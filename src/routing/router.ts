/**
 * The router: from the model name a caller sent to the ordered targets its call may try, and back from
 * each attempt's outcome to the state that steers later calls (latency estimates, cooldowns).
 *
 * How the request path uses it, in lifecycle order:
 *
 *   const route = router.resolve(model, pinnedProvider);        // sync; 404 model_not_found
 *   // authorize against route.requestedName, route.group?.name and the candidates' ids
 *   const planned = router.plan({ route, needs: () => routingNeedsOf(…), request: facts });
 *   const plan = planned instanceof Promise ? await planned : planned;  // 400 no_eligible_target
 *   for (const target of plan.candidates) {                    // the attempt loop
 *     … attempt; on failure:
 *     const verdict = router.classify(plan, target, failure, credential);
 *     void router.reportAttempt(plan, target, { kind: 'failure', failure, classification: verdict });
 *     … retry the same target while verdict.retrySameTarget and plan.retry.attempts last
 *       (wait retryDelayMs(…)), else next candidate while verdict.failOver, else answer the error.
 *     on the first byte: void router.reportAttempt(plan, target, { kind: 'success', timeToFirstByteMs });
 *   }
 *   a call that ends before trying plan.probe: void router.reportAttempt(plan, plan.probe, { kind: 'abandoned' });
 *
 * Cost on the hot path: `resolve` is a few Map lookups; `plan` for a plain model is synchronous and does not
 * decode the body unless its provider takes text only; for a group it is synchronous too (eligibility, the
 * cooldown mirror, the policy: a few microseconds for ten targets, see bench/route-pick.ts) unless the
 * group's policy is a script that answers with a promise or an external service, or a half-open target's
 * probe must be claimed in Redis. `reportAttempt` never rejects and need not be awaited.
 *
 * Plain models (not in a group) have one candidate, keep no statistics and never cool down: there is
 * nowhere else to send them. Their retries use `defaultRetrySettings`.
 */
import { Agent } from 'undici';
import type { SluiceConfig } from '../config/config-schema.js';
import type { ProviderEntry } from '../domain/provider-entry.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { Logger } from '../domain/logger.js';
import type { Pricer } from '../usage/pricing.js';
import { buildRouteGroups } from './build-route-groups.js';
import { classifyAttemptFailure, type AttemptClassification, type AttemptFailure } from './classify-attempt-failure.js';
import type { CooldownStatus, Cooldowns, ProbeClaim } from './cooldowns.js';
import { eligibleTargets, noEligibleTargetError, type TargetExclusion } from './eligible-targets.js';
import { MemoryCooldowns } from './memory-cooldowns.js';
import { createPolicy, createPolicyServiceDispatcher } from './policies/create-policy.js';
import type { PolicyContext, RequestFacts, RoutingPolicy } from './policies/routing-policy.js';
import { resolveRoute } from './resolve-route.js';
import { defaultRetrySettings, type ResolvedGroup, type ResolvedRoute, type RetrySettings, type RoutingPolicyName } from './route-target.js';
import { type RouteTarget } from '../domain/route-target.js';
import type { RoutingNeeds } from './routing-needs.js';
import { noEmbeddingsReason, targetServesEmbeddings } from './serves-embeddings.js';
import type { Operation } from '../domain/operation.js';
import { TargetStats } from './target-stats.js';
import { defaultFirstByteMs, upstreamTimeoutSettings } from '../upstream/upstream-timeouts.js';

export type { RequestFacts };

const noTargets: readonly RouteTarget[] = Object.freeze([]);

export interface PlanRequest {
  route: ResolvedRoute;
  /** Undefined: chat. A plain model is refused for embeddings when it makes none. */
  operation?: Operation | undefined;
  /** What the request needs; asked for only when a candidate could be excluded (it may decode the body). */
  needs: () => RoutingNeeds;
  request: RequestFacts;
}

export interface RoutePlan {
  route: ResolvedRoute;
  group: ResolvedGroup | undefined;
  /** Undefined for a plain model. */
  policy: RoutingPolicyName | undefined;
  /** The targets to try, in order: a claimed probe first, then the policy's order. Never empty. */
  candidates: readonly RouteTarget[];
  /** The half-open target this call probes for everyone (it is `candidates[0]`), if any. */
  probe: RouteTarget | undefined;
  /** Targets the request cannot use, with why (for logs and the usage row). */
  excluded: readonly TargetExclusion[];
  /** Eligible targets skipped because they are cooling down (or another caller is probing them). */
  cooling: readonly RouteTarget[];
  /** Every eligible target was cooling and none could be probed: they are tried anyway, in policy order. */
  cooldownsIgnored: boolean;
  /** Reasoning was asked for and no eligible target can reason: drop it, with a warning. */
  dropReasoning: boolean;
  retry: RetrySettings;
  /** A stream with no first content by then fails over; undefined: only the upstream timeout applies. */
  timeToFirstTokenMs: number | undefined;
}

export type AttemptOutcome =
  /** The first byte of the answer went to the caller (or a whole answer arrived): the target served. */
  | { kind: 'success'; timeToFirstByteMs: number }
  | { kind: 'failure'; failure: AttemptFailure; classification: AttemptClassification; elapsedMs?: number }
  /** The call ended without a verdict on this target (the caller left, the loop stopped). */
  | { kind: 'abandoned' };

export interface RouterOptions {
  registry: ProviderRegistry;
  aliases: ReadonlyMap<string, string>;
  /** The aliases of callers with their own provider key and of pinned routes (default-aliases.ts); default: `aliases`. */
  aliasesWithoutStandIns?: ReadonlyMap<string, string> | undefined;
  groups: ReadonlyMap<string, ResolvedGroup>;
  policies: ReadonlyMap<string, RoutingPolicy>;
  cooldowns: Cooldowns;
  stats: TargetStats;
  logger: Pick<Logger, 'warn'>;
  /** How long a stream may take to its first byte (`upstream`'s): bounds a probe's lease when a group sets no TTFT deadline. */
  upstreamTimeoutMs: number;
  /**
   * Told a group target's status whenever routing learns it: after each cooldown write of this instance,
   * and when planning reads a target that is not available (on Redis, one another instance cooled). For
   * the `sluice_target_cooldown` gauge; called with unchanged statuses too, so it must be cheap.
   */
  onCooldownStatus?: (targetId: string, status: CooldownStatus) => void;
  onClose?: () => Promise<void>;
}

export class Router {
  readonly groups: ReadonlyMap<string, ResolvedGroup>;
  readonly stats: TargetStats;
  readonly #registry: ProviderRegistry;
  readonly #aliases: ReadonlyMap<string, string>;
  readonly #aliasesWithoutStandIns: ReadonlyMap<string, string>;
  readonly #policies: ReadonlyMap<string, RoutingPolicy>;
  readonly #cooldowns: Cooldowns;
  readonly #logger: Pick<Logger, 'warn'>;
  readonly #upstreamTimeoutMs: number;
  readonly #onClose: (() => Promise<void>) | undefined;
  readonly #onCooldownStatus: ((targetId: string, status: CooldownStatus) => void) | undefined;
  /** Every group target of a provider, to cool them all when the provider's key is refused. */
  readonly #targetsByProvider = new Map<string, Array<{ target: RouteTarget; group: ResolvedGroup }>>();

  constructor(options: RouterOptions) {
    this.groups = options.groups;
    this.stats = options.stats;
    this.#registry = options.registry;
    this.#aliases = options.aliases;
    this.#aliasesWithoutStandIns = options.aliasesWithoutStandIns ?? options.aliases;
    this.#policies = options.policies;
    this.#cooldowns = options.cooldowns;
    this.#logger = options.logger;
    this.#upstreamTimeoutMs = options.upstreamTimeoutMs;
    this.#onClose = options.onClose;
    this.#onCooldownStatus = options.onCooldownStatus;
    for (const group of options.groups.values()) {
      for (const target of group.targets) {
        const list = this.#targetsByProvider.get(target.provider.name) ?? [];
        if (!list.some((entry) => entry.target.id === target.id)) list.push({ target, group });
        this.#targetsByProvider.set(target.provider.name, list);
      }
    }
  }

  /**
   * A group (directly or through aliases) or a plain model; 404 `model_not_found` for anything else. A
   * caller with its own provider key, or on a pinned route, never gets the mock standing in for a default alias.
   */
  resolve(requestedName: string, pinnedProvider?: ProviderEntry, callerHasProviderKey = false): ResolvedRoute {
    const aliases = pinnedProvider !== undefined || callerHasProviderKey ? this.#aliasesWithoutStandIns : this.#aliases;
    return resolveRoute(requestedName, { registry: this.#registry, aliases, groups: this.groups, pinnedProvider });
  }

  /** The ordered candidates of one call; throws the 400 when no candidate can take the request. */
  plan({ route, needs, request, operation }: PlanRequest): RoutePlan | Promise<RoutePlan> {
    const { group } = route;
    if (!group) return this.#planPlainModel(route, needs, operation);

    const requestNeeds = needs();
    const eligibility = eligibleTargets(route.candidates, requestNeeds);
    const { eligible } = eligibility;
    if (eligible.length === 0) throw noEligibleTargetError(route, eligibility.excluded);
    const policy = this.#policies.get(group.name)!;
    const context: PolicyContext = { group, requestedName: route.requestedName, request, needs: requestNeeds, stats: this.stats };
    const planOf = (candidates: readonly RouteTarget[], probe: RouteTarget | undefined, cooling: readonly RouteTarget[], cooldownsIgnored: boolean): RoutePlan => ({
      route,
      group,
      policy: group.policy,
      candidates,
      probe,
      excluded: eligibility.excluded,
      cooling,
      cooldownsIgnored,
      dropReasoning: eligibility.dropReasoning,
      retry: group.retry,
      timeToFirstTokenMs: group.timeToFirstTokenMs,
    });

    if (!policy.skipsCoolingTargets) return this.#ordered(policy.order(eligible, context), (ordered) => planOf(ordered, undefined, noTargets, false));

    let usable: RouteTarget[] = eligible;
    const cooling: RouteTarget[] = [];
    let halfOpen: RouteTarget | undefined;
    // The common case allocates nothing: every target available.
    if (eligible.some((target) => this.#cooldowns.status(target.id) !== 'available')) {
      usable = [];
      for (const target of eligible) {
        const status = this.#cooldowns.status(target.id);
        this.#onCooldownStatus?.(target.id, status);
        if (status === 'available') usable.push(target);
        else if (status === 'half-open' && !halfOpen) halfOpen = target;
        else cooling.push(target);
      }
    }

    const finish = (probe: RouteTarget | undefined): RoutePlan | Promise<RoutePlan> => {
      // Nothing available: rather than refuse, try the cooling targets too (after a probe, if one was won).
      const cooldownsIgnored = usable.length === 0 && eligible.some((target) => target !== probe);
      const offered = cooldownsIgnored ? eligible.filter((target) => target !== probe) : usable;
      if (offered.length === 0) return planOf([probe!], probe, cooling, false);
      return this.#ordered(policy.order(offered, context), (ordered) =>
        planOf(probe ? [probe, ...ordered] : ordered, probe, cooldownsIgnored ? noTargets : cooling, cooldownsIgnored),
      );
    };

    if (!halfOpen) return finish(undefined);
    const probeTarget = halfOpen;
    const onClaim = (claim: ProbeClaim): RoutePlan | Promise<RoutePlan> => {
      if (claim === 'probe') return finish(probeTarget);
      if (claim === 'available') usable = eligible.filter((target) => target === probeTarget || usable.includes(target));
      else cooling.push(probeTarget);
      return finish(undefined);
    };
    const claim = this.#claimProbe(probeTarget, group);
    return claim instanceof Promise ? claim.then(onClaim) : onClaim(claim);
  }

  /**
   * What a failed attempt means for this call (`classifyAttemptFailure` with the group's `retry` settings).
   * A probe gets one try: a target that just failed its probe is not retried, the call moves on.
   */
  classify(plan: RoutePlan, target: RouteTarget, failure: AttemptFailure, credential: 'gateway' | 'caller'): AttemptClassification {
    const classification = classifyAttemptFailure(failure, { maxRetryAfterMs: plan.retry.maxRetryAfterMs, retryTimeouts: plan.retry.timeouts, credential });
    if (plan.probe === target && classification.retrySameTarget) return { ...classification, retrySameTarget: false };
    return classification;
  }

  /** Where a target stands now (the cooldowns' synchronous read), for the health report. */
  cooldownStatus(targetId: string): CooldownStatus {
    return this.#cooldowns.status(targetId);
  }

  /** Feeds an attempt's outcome to the latency estimates and the cooldowns. Never rejects. */
  async reportAttempt(plan: RoutePlan, target: RouteTarget, outcome: AttemptOutcome): Promise<void> {
    const { group } = plan;
    if (!group) return;
    try {
      await this.#applyAttempt(plan, group, target, outcome);
    } catch (error) {
      this.#logger.warn({ err: error, target: target.id }, 'recording a routing outcome failed');
    }
  }

  async close(): Promise<void> {
    for (const policy of new Set(this.#policies.values())) await policy.close?.();
    await this.#onClose?.();
  }

  async #applyAttempt(plan: RoutePlan, group: ResolvedGroup, target: RouteTarget, outcome: AttemptOutcome): Promise<void> {
    try {
      switch (outcome.kind) {
        case 'success':
          this.stats.observe(target.id, outcome.timeToFirstByteMs);
          // Only a target that was cooled has anything to clear; a success before its deadline changes nothing.
          if (plan.probe === target || this.#cooldowns.status(target.id) !== 'available') await this.#cooldowns.recordSuccess(target.id);
          return;
        case 'abandoned':
          if (plan.probe === target) await this.#cooldowns.releaseProbe(target.id);
          return;
        case 'failure':
          await this.#reportFailure(plan, group, target, outcome);
          return;
        default: {
          const _exhaustive: never = outcome;
          return _exhaustive;
        }
      }
    } finally {
      // Whatever was written (a bad credential cools every target of the provider), the gauge follows.
      const announce = this.#onCooldownStatus;
      if (announce && outcome.kind === 'failure' && outcome.classification.coolDown === 'bad-credential') {
        for (const entry of this.#targetsByProvider.get(target.provider.name) ?? []) announce(entry.target.id, this.#cooldowns.status(entry.target.id));
      } else if (announce) {
        announce(target.id, this.#cooldowns.status(target.id));
      }
    }
  }

  async #reportFailure(plan: RoutePlan, group: ResolvedGroup, target: RouteTarget, outcome: Extract<AttemptOutcome, { kind: 'failure' }>): Promise<void> {
    const { classification } = outcome;
    // A target that hangs is slow: its estimate learns at least how long it made the call wait.
    if (outcome.failure.kind === 'timeout' && outcome.elapsedMs !== undefined) this.stats.observe(target.id, outcome.elapsedMs);
    switch (classification.coolDown) {
      case 'failure':
        await this.#cooldowns.recordFailure(target.id, group.cooldown);
        return;
      case 'retry-after':
        await this.#cooldowns.coolFor(target.id, classification.retryAfterMs ?? 0, group.cooldown);
        return;
      case 'bad-credential':
        // The key is the provider's: every target of that provider is as broken as this one.
        await Promise.all(
          (this.#targetsByProvider.get(target.provider.name) ?? []).map((entry) => this.#cooldowns.coolBadCredential(entry.target.id, entry.group.cooldown)),
        );
        return;
      case undefined:
        // The request was at fault: the probe learned nothing about the target; let another call probe it.
        if (plan.probe === target) await this.#cooldowns.releaseProbe(target.id);
        return;
      default: {
        const _exhaustive: never = classification.coolDown;
        return _exhaustive;
      }
    }
  }

  #planPlainModel(route: ResolvedRoute, needs: () => RoutingNeeds, operation: Operation | undefined): RoutePlan {
    const [target] = route.candidates as [RouteTarget];
    if (operation === 'embeddings' && !targetServesEmbeddings(target)) {
      throw noEligibleTargetError(route, [{ target, reason: noEmbeddingsReason(target), param: 'model' }]);
    }
    // A plain model can only be refused for images (its other capabilities are unbounded); its planner
    // words an untranslatable field itself.
    if (!target.capabilities.images && needs().images) {
      throw noEligibleTargetError(route, [{ target, reason: 'takes text only, and the request has images', param: 'messages' }]);
    }
    return {
      route,
      group: undefined,
      policy: undefined,
      candidates: route.candidates,
      probe: undefined,
      excluded: [],
      cooling: [],
      cooldownsIgnored: false,
      dropReasoning: false,
      retry: defaultRetrySettings,
      timeToFirstTokenMs: undefined,
    };
  }

  #claimProbe(target: RouteTarget, group: ResolvedGroup): ProbeClaim | Promise<ProbeClaim> {
    // Long enough for every try of the probe to answer; a probe that never reports is free again after it.
    const leaseMs = (group.timeToFirstTokenMs ?? this.#upstreamTimeoutMs) * group.retry.attempts + 1_000;
    try {
      const claim = this.#cooldowns.claimProbe(target.id, leaseMs);
      if (!(claim instanceof Promise)) return claim;
      return claim.catch((error: unknown) => {
        this.#logger.warn({ err: error, target: target.id }, 'claiming a probe failed; the target is skipped');
        return 'cooling' as const;
      });
    } catch (error) {
      this.#logger.warn({ err: error, target: target.id }, 'claiming a probe failed; the target is skipped');
      return 'cooling';
    }
  }

  #ordered(
    order: readonly RouteTarget[] | Promise<readonly RouteTarget[]>,
    build: (ordered: readonly RouteTarget[]) => RoutePlan,
  ): RoutePlan | Promise<RoutePlan> {
    return order instanceof Promise ? order.then(build) : build(order);
  }
}

export interface CreateRouterOptions {
  config: Pick<SluiceConfig, 'groups' | 'upstream'>;
  registry: ProviderRegistry;
  aliases: ReadonlyMap<string, string>;
  aliasesWithoutStandIns?: ReadonlyMap<string, string> | undefined;
  pricer: Pricer;
  logger: Pick<Logger, 'warn'>;
  /** Shared through Redis when configured (`createSharedState`); in process otherwise. */
  cooldowns?: Cooldowns;
  /** Latency estimates to keep (a config reload passes the running router's); new ones otherwise. */
  stats?: TargetStats;
  now?: () => number;
  onCooldownStatus?: (targetId: string, status: CooldownStatus) => void;
}

/**
 * Builds the router at start: resolves every group's targets (a ConfigError names the field that does not
 * resolve), imports policy scripts, and opens one keep-alive pool for policy services if a group uses one.
 * Call it once the provider registry is final (after the mock's base URL is set).
 */
export async function createRouter(options: CreateRouterOptions): Promise<Router> {
  const { config, registry, aliases, logger } = options;
  const groups = buildRouteGroups({ groups: config.groups, registry, aliases, switchedOffProviders: registry.switchedOffNames(), logger });
  let dispatcher: Agent | undefined;
  const policies = new Map<string, RoutingPolicy>();
  for (const group of groups.values()) {
    policies.set(
      group.name,
      await createPolicy(group, {
        pricer: options.pricer,
        logger,
        policyServiceDispatcher: () => (dispatcher ??= createPolicyServiceDispatcher()),
      }),
    );
  }
  return new Router({
    registry,
    aliases,
    aliasesWithoutStandIns: options.aliasesWithoutStandIns,
    groups,
    policies,
    cooldowns: options.cooldowns ?? new MemoryCooldowns(options.now),
    stats: options.stats ?? new TargetStats(options.now ? { now: options.now } : {}),
    logger,
    upstreamTimeoutMs: upstreamTimeoutSettings(config.upstream).firstByteMs ?? defaultFirstByteMs,
    onCooldownStatus: options.onCooldownStatus,
    onClose: async () => {
      await dispatcher?.close();
    },
  });
}
