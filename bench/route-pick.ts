import { parseConfig } from '../src/config/load-config.js';
import { buildProviderRegistry } from '../src/providers/provider-registry.js';
import type { RoutingPolicyName } from '../src/routing/route-target.js';
import { createRouter, type Router } from '../src/routing/router.js';
import type { RoutingNeeds } from '../src/routing/routing-needs.js';
import { Pricer } from '../src/usage/pricing.js';
import { log } from './log.js';

/** Ten targets over three providers, as a large real group might be. */
const tenTargets = [
  'openai:gpt-4o-mini',
  'openai:gpt-4.1',
  'openai:gpt-5-mini',
  'openai:o4-mini',
  'anthropic:claude-haiku-4-5',
  'anthropic:claude-sonnet-4-5',
  'anthropic:claude-opus-4-1',
  'gemini:gemini-2.5-flash',
  'gemini:gemini-2.5-pro',
  'gemini:gemini-2.0-flash',
].map((model, index) => ({ model, weight: 1 + (index % 4) }));

const measuredPolicies = ['failover', 'weighted', 'least-latency', 'cost'] as const satisfies readonly RoutingPolicyName[];
export type RoutePickCost = Record<(typeof measuredPolicies)[number] | 'plain model', number>;

const needs: RoutingNeeds = {
  tools: true,
  images: false,
  reasoning: false,
  maxOutputTokens: 1024,
  maxOutputTokensField: 'max_tokens',
  estimatedInputTokens: 800,
  requiredShape: undefined,
};
const request = { dialect: 'openai-chat' as const, stream: true, estimateInputTokens: () => 800 };

/**
 * Picking a target for a call in a 10-target group: `resolve` and `plan` (eligibility, the cooldown check,
 * the policy), in process with the in-process cooldowns, timed in a loop. Decoding the request is not in it:
 * the request path decodes once for every stage. Target: ≤ 20 µs.
 */
export async function routePickCost(): Promise<RoutePickCost> {
  const config = parseConfig(
    { groups: Object.fromEntries(measuredPolicies.map((policy) => [`ten-${policy}`, { policy, targets: tenTargets }])) },
    {},
  );
  const registry = buildProviderRegistry({ config, env: { OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a', GEMINI_API_KEY: 'g' }, providersWithStoredKeys: new Set() });
  const router = await createRouter({ config, registry, aliases: new Map(), pricer: new Pricer({}), logger: { warn: () => undefined } as never });
  // Least-latency with estimates for every target, so it sorts rather than taking the unknown first.
  tenTargets.forEach((target, index) => router.stats.observe(target.model, 200 + index * 37));

  const result = {} as RoutePickCost;
  for (const policy of measuredPolicies) result[policy] = timePlans(router, `ten-${policy}`);
  result['plain model'] = timePlans(router, 'gpt-4o-mini');
  await router.close();
  log(
    `picking a target, 10-target group: ${measuredPolicies.map((policy) => `${policy} ${result[policy].toFixed(2)} µs`).join(', ')}; ` +
      `a plain model ${result['plain model'].toFixed(2)} µs`,
  );
  return result;
}

function timePlans(router: Router, name: string): number {
  const once = () => {
    const plan = router.plan({ route: router.resolve(name), needs: () => needs, request });
    if (plan instanceof Promise) throw new Error(`planning '${name}' was asynchronous`);
    return plan.candidates.length;
  };
  let sink = 0;
  for (let call = 0; call < 20_000; call++) sink += once();
  const calls = 200_000;
  const started = performance.now();
  for (let call = 0; call < calls; call++) sink += once();
  const microseconds = ((performance.now() - started) * 1000) / calls;
  if (sink === 0) throw new Error('no candidates planned');
  return microseconds;
}
