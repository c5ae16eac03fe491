import { Agent, type Dispatcher } from 'undici';
import type { Pricer } from '../../usage/pricing.js';
import type { Logger } from '../../domain/logger.js';
import type { ResolvedGroup } from '../route-target.js';
import { CostPolicy } from './cost-policy.js';
import { ExternalPolicy } from './external-policy.js';
import { failoverPolicy } from './failover-policy.js';
import { leastLatencyPolicy } from './least-latency-policy.js';
import { PolicyFallbackLog } from './policy-fallback-log.js';
import type { RoutingPolicy } from './routing-policy.js';
import { loadPolicyScript, ScriptPolicy } from './script-policy.js';
import { staticPolicy } from './static-policy.js';
import { WeightedPolicy } from './weighted-policy.js';

export interface PolicyDependencies {
  pricer: Pricer;
  logger: Pick<Logger, 'warn'>;
  /** Shared by every external policy; created on first use. */
  policyServiceDispatcher: () => Dispatcher;
}

/** The policy a group's config names, ready to order its targets (a script is imported here, once). */
export async function createPolicy(group: ResolvedGroup, dependencies: PolicyDependencies): Promise<RoutingPolicy> {
  const { config } = group;
  switch (group.policy) {
    case 'static':
      return staticPolicy;
    case 'failover':
      return failoverPolicy;
    case 'weighted':
      return new WeightedPolicy(group);
    case 'least-latency':
      return leastLatencyPolicy;
    case 'cost':
      return new CostPolicy(dependencies.pricer);
    case 'script': {
      const choose = await loadPolicyScript(config.script!, `groups.${group.name}.script`);
      return new ScriptPolicy(choose, { timeoutMs: config.policyTimeoutMs, fallbackLog: new PolicyFallbackLog(dependencies.logger) });
    }
    case 'external':
      return new ExternalPolicy({
        url: config.url!,
        timeoutMs: config.policyTimeoutMs,
        dispatcher: dependencies.policyServiceDispatcher(),
        fallbackLog: new PolicyFallbackLog(dependencies.logger),
      });
    default: {
      const _exhaustive: never = group.policy;
      return _exhaustive;
    }
  }
}

/** A keep-alive pool for policy services: a 50 ms budget leaves no room for a new connection per call. */
export function createPolicyServiceDispatcher(): Agent {
  return new Agent({ keepAliveTimeout: 60_000, connections: 64 });
}
