import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import type { CooldownStatus } from '../../src/routing/cooldowns.js';
import { MemoryCooldowns } from '../../src/routing/memory-cooldowns.js';
import { createRouter } from '../../src/routing/router.js';
import type { RoutingNeeds } from '../../src/routing/routing-needs.js';
import { Pricer } from '../../src/usage/pricing.js';
import { recordingLogger } from '../helpers/routing-fixtures.js';

const needs: RoutingNeeds = { tools: false, images: false, reasoning: false, maxOutputTokens: undefined, maxOutputTokensField: 'max_tokens', estimatedInputTokens: undefined, requiredShape: undefined };
const request = { dialect: 'openai-chat' as const, stream: false, estimateInputTokens: () => 100 };

/** What feeds `sluice_target_cooldown`: the router says where a target stands whenever it learns it. */
describe('cooldown statuses told by the router', () => {
  it('after its own attempts, and when planning finds a target another instance cooled', async () => {
    const config = parseConfig({ groups: { fast: { policy: 'failover', targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:claude-haiku-4-5' }] } } }, {});
    const registry = buildProviderRegistry({ config, env: { OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a' }, providersWithStoredKeys: new Set() });
    const cooldowns = new MemoryCooldowns();
    const told: Array<[string, CooldownStatus]> = [];
    const router = await createRouter({
      config,
      registry,
      aliases: new Map(),
      pricer: new Pricer({}),
      logger: recordingLogger(),
      cooldowns,
      onCooldownStatus: (targetId, status) => told.push([targetId, status]),
    });
    const plan = () => {
      const planned = router.plan({ route: router.resolve('fast'), needs: () => needs, request });
      if (planned instanceof Promise) throw new Error('planning was asynchronous');
      return planned;
    };

    const first = plan();
    expect(told).toEqual([]);
    const [target] = first.candidates;
    const failure = { kind: 'status' as const, status: 429, headers: { 'retry-after': '60' } };
    await router.reportAttempt(first, target!, { kind: 'failure', failure, classification: router.classify(first, target!, failure, 'gateway') });
    expect(told).toEqual([['openai:gpt-4o-mini', 'cooling']]);

    // As if another instance sharing the cooldowns had cooled the second target.
    await cooldowns.coolFor('anthropic:claude-haiku-4-5', 60_000, router.groups.get('fast')!.cooldown);
    told.length = 0;
    plan();
    expect(told).toEqual([
      ['openai:gpt-4o-mini', 'cooling'],
      ['anthropic:claude-haiku-4-5', 'cooling'],
    ]);
    await router.close();
  });
});
