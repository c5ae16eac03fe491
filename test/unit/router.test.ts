import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import { MemoryCooldowns } from '../../src/routing/memory-cooldowns.js';
import type { RequestFacts } from '../../src/routing/policies/routing-policy.js';
import type { RouteTarget } from '../../src/domain/route-target.js';
import { createRouter, type RoutePlan, type Router } from '../../src/routing/router.js';
import type { RoutingNeeds } from '../../src/routing/routing-needs.js';
import { Pricer } from '../../src/usage/pricing.js';
import { recordingLogger } from '../helpers/routing-fixtures.js';
import { configuredAliases } from '../../src/routing/default-aliases.js';

const groups = {
  fast: { policy: 'failover', targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:claude-haiku-4-5' }, { model: 'gemini:gemini-2.5-flash' }], cooldown: { failures: 2, durationMs: 10_000 } },
  coder: {
    policy: 'weighted',
    targets: [
      { model: 'anthropic:claude-sonnet-4-5', weight: 3, maxOutputTokens: 64000 },
      { model: 'openai:gpt-4.1', weight: 1, images: false },
    ],
    retry: { attempts: 3, maxRetryAfterMs: 2000 },
    timeToFirstTokenMs: 8000,
  },
  pinned: { policy: 'static', targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:claude-haiku-4-5' }] },
  quickest: { policy: 'least-latency', targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:claude-haiku-4-5' }] },
};

const nothing: RoutingNeeds = {
  tools: false,
  images: false,
  reasoning: false,
  maxOutputTokens: undefined,
  maxOutputTokensField: 'max_tokens',
  estimatedInputTokens: undefined,
  requiredShape: undefined,
};
const request: RequestFacts = { dialect: 'openai-chat', stream: false, estimateInputTokens: () => 100 };
const ids = (targets: readonly RouteTarget[]) => targets.map((target) => target.id);

async function routerWorld(extraGroups: Record<string, unknown> = {}) {
  let now = 1_700_000_000_000;
  const clock = () => now;
  const config = parseConfig(
    {
      providers: { local: { baseUrl: 'http://127.0.0.1:8000/v1', models: ['llama-text'], images: false } },
      aliases: { quick: 'fast' },
      groups: { ...groups, ...extraGroups },
    },
    {},
  );
  const registry = buildProviderRegistry({ config, env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o', GEMINI_API_KEY: 'g' }, providersWithStoredKeys: new Set() });
  const logger = recordingLogger();
  const cooldowns = new MemoryCooldowns(clock);
  const router = await createRouter({ config, registry, aliases: configuredAliases(config.aliases), pricer: new Pricer({}), logger, cooldowns, now: clock });
  const plan = (name: string, needs: Partial<RoutingNeeds> = {}) => router.plan({ route: router.resolve(name), needs: () => ({ ...nothing, ...needs }), request }) as RoutePlan;
  const target = (groupName: string, id: string) => router.groups.get(groupName)!.targets.find((candidate) => candidate.id === id)!;
  return { router, cooldowns, logger, plan, target, advance: (ms: number) => (now += ms) };
}

const failure = (router: Router, plan: RoutePlan, target: RouteTarget, status: number, headers: Record<string, string> = {}) => {
  const classification = router.classify(plan, target, { kind: 'status', status, headers }, 'gateway');
  return router.reportAttempt(plan, target, { kind: 'failure', failure: { kind: 'status', status, headers }, classification });
};

describe('the router', () => {
  it('plans a plain model synchronously, without reading the request, as its one candidate', async () => {
    const { router } = await routerWorld();
    const plan = router.plan({
      route: router.resolve('gpt-4o-mini'),
      needs: () => {
        throw new Error('a plain model with images must not decode the body');
      },
      request,
    });
    expect(plan).not.toBeInstanceOf(Promise);
    expect(plan).toMatchObject({ group: undefined, policy: undefined, probe: undefined, cooldownsIgnored: false, dropReasoning: false, retry: { attempts: 2, maxRetryAfterMs: 5000 }, timeToFirstTokenMs: undefined });
    expect(ids((plan as RoutePlan).candidates)).toEqual(['openai:gpt-4o-mini']);
    // A text-only plain model answers images as it always did.
    expect(() => router.plan({ route: router.resolve('llama-text'), needs: () => ({ ...nothing, images: true }), request })).toThrow(
      expect.objectContaining({ code: 'invalid_request', param: 'messages' }),
    );
  });

  it('plans a group synchronously: eligibility, then the policy, with the group’s retry and TTFT settings', async () => {
    const { plan } = await routerWorld();
    const coder = plan('coder');
    expect(coder).not.toBeInstanceOf(Promise);
    expect(coder).toMatchObject({ policy: 'weighted', retry: { attempts: 3, maxRetryAfterMs: 2000 }, timeToFirstTokenMs: 8000, excluded: [], cooling: [], probe: undefined });
    expect(ids(coder.candidates)).toEqual(['anthropic:claude-sonnet-4-5', 'openai:gpt-4.1']);
    const withImages = plan('coder', { images: true });
    expect(ids(withImages.candidates)).toEqual(['anthropic:claude-sonnet-4-5']);
    expect(withImages.excluded.map((exclusion) => exclusion.target.id)).toEqual(['openai:gpt-4.1']);
    expect(plan('quick').route.group?.name).toBe('fast');
    expect(plan('fast', { reasoning: true }).dropReasoning).toBe(false);
    let refused: unknown;
    try {
      plan('coder', { images: true, maxOutputTokens: 100_000 });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: 'no_eligible_target', status: 400 });
    expect((refused as Error).message).toContain('anthropic:claude-sonnet-4-5 allows at most 64000 output tokens');
    expect((refused as Error).message).toContain('openai:gpt-4.1 takes text only');
  });

  it('cools a target after the group’s failure count and skips it, until one call probes it', async () => {
    const { router, plan, target, advance } = await routerWorld();
    const mini = target('fast', 'openai:gpt-4o-mini');
    const first = plan('fast');
    await failure(router, first, mini, 500);
    expect(ids(plan('fast').candidates)).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5', 'gemini:gemini-2.5-flash']);
    await failure(router, first, mini, 503);
    const cooled = plan('fast');
    expect(ids(cooled.candidates)).toEqual(['anthropic:claude-haiku-4-5', 'gemini:gemini-2.5-flash']);
    expect(ids(cooled.cooling)).toEqual(['openai:gpt-4o-mini']);
    // 400s are the request's fault: they never cool anything.
    for (let call = 0; call < 5; call++) await failure(router, cooled, target('fast', 'anthropic:claude-haiku-4-5'), 400);
    expect(ids(plan('fast').candidates)).toEqual(['anthropic:claude-haiku-4-5', 'gemini:gemini-2.5-flash']);

    advance(10_000);
    const probing = plan('fast');
    expect(probing.probe?.id).toBe('openai:gpt-4o-mini');
    expect(ids(probing.candidates)).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5', 'gemini:gemini-2.5-flash']);
    // Meanwhile other calls keep skipping it: one probe at a time.
    const meanwhile = plan('fast');
    expect(meanwhile.probe).toBeUndefined();
    expect(ids(meanwhile.candidates)).toEqual(['anthropic:claude-haiku-4-5', 'gemini:gemini-2.5-flash']);
    // A probe gets one try: no retry of the same target.
    expect(router.classify(probing, mini, { kind: 'status', status: 503 }, 'gateway')).toMatchObject({ retrySameTarget: false, failOver: true });
    expect(router.classify(meanwhile, target('fast', 'anthropic:claude-haiku-4-5'), { kind: 'status', status: 503 }, 'gateway').retrySameTarget).toBe(true);

    await router.reportAttempt(probing, mini, { kind: 'success', timeToFirstByteMs: 120 });
    expect(plan('fast')).toMatchObject({ probe: undefined, cooling: [] });
    expect(ids(plan('fast').candidates)[0]).toBe('openai:gpt-4o-mini');
  });

  it('gives the probe back when the call ends without trying it, and cools again when it fails', async () => {
    const { router, plan, target, advance } = await routerWorld();
    const mini = target('fast', 'openai:gpt-4o-mini');
    await failure(router, plan('fast'), mini, 429, { 'retry-after': '30' });
    expect(plan('fast').cooling.map((cooling) => cooling.id)).toEqual(['openai:gpt-4o-mini']);
    advance(30_000);
    const abandoned = plan('fast');
    expect(abandoned.probe).toBe(mini);
    await router.reportAttempt(abandoned, mini, { kind: 'abandoned' });
    const probing = plan('fast');
    expect(probing.probe).toBe(mini);
    await failure(router, probing, mini, 502);
    expect(plan('fast')).toMatchObject({ probe: undefined });
    expect(ids(plan('fast').cooling)).toEqual(['openai:gpt-4o-mini']);
    advance(9_999);
    expect(ids(plan('fast').cooling)).toEqual(['openai:gpt-4o-mini']);
    advance(1);
    expect(plan('fast').probe).toBe(mini);
  });

  it('cools every target of a provider whose key is refused, in every group, and leaves a caller’s own key alone', async () => {
    const { router, plan, target } = await routerWorld();
    const haiku = target('fast', 'anthropic:claude-haiku-4-5');
    const caller = router.classify(plan('fast'), haiku, { kind: 'status', status: 401 }, 'caller');
    await router.reportAttempt(plan('fast'), haiku, { kind: 'failure', failure: { kind: 'status', status: 401 }, classification: caller });
    expect(plan('fast').cooling).toEqual([]);
    await failure(router, plan('fast'), haiku, 401);
    expect(ids(plan('fast').cooling)).toEqual(['anthropic:claude-haiku-4-5']);
    expect(ids(plan('coder').cooling)).toEqual(['anthropic:claude-sonnet-4-5']);
    expect(ids(plan('coder').candidates)).toEqual(['openai:gpt-4.1']);
  });

  it('tries cooling targets anyway when every eligible one is cooling, rather than refusing the call', async () => {
    const { router, plan, target } = await routerWorld();
    for (const id of ['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5', 'gemini:gemini-2.5-flash']) {
      await failure(router, plan('fast'), target('fast', id), 429, { 'retry-after': '60' });
    }
    const everything = plan('fast');
    expect(everything).toMatchObject({ cooldownsIgnored: true, cooling: [], probe: undefined });
    expect(ids(everything.candidates)).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5', 'gemini:gemini-2.5-flash']);
  });

  it('static keeps its first eligible target whatever its cooldown', async () => {
    const { router, plan, target } = await routerWorld();
    await failure(router, plan('pinned'), target('pinned', 'openai:gpt-4o-mini'), 429, { 'retry-after': '60' });
    expect(ids(plan('pinned').candidates)).toEqual(['openai:gpt-4o-mini']);
    expect(ids(plan('fast').cooling)).toEqual(['openai:gpt-4o-mini']);
  });

  it('learns latency from reported successes and timeouts (least-latency follows a slow target)', async () => {
    const { router, plan, target } = await routerWorld();
    const mini = target('quickest', 'openai:gpt-4o-mini');
    const haiku = target('quickest', 'anthropic:claude-haiku-4-5');
    await router.reportAttempt(plan('quickest'), mini, { kind: 'success', timeToFirstByteMs: 900 });
    expect(ids(plan('quickest').candidates)).toEqual(['anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini']);
    await router.reportAttempt(plan('quickest'), haiku, { kind: 'success', timeToFirstByteMs: 300 });
    expect(ids(plan('quickest').candidates)).toEqual(['anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini']);
    const timedOut = router.classify(plan('quickest'), haiku, { kind: 'timeout' }, 'gateway');
    const timeOut = () => router.reportAttempt(plan('quickest'), haiku, { kind: 'failure', failure: { kind: 'timeout' }, classification: timedOut, elapsedMs: 8_000 });
    await timeOut();
    await timeOut();
    expect(router.stats.timeToFirstTokenMs('anthropic:claude-haiku-4-5')).toBeGreaterThan(900);
    expect(ids(plan('quickest').candidates)).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5']);
    // The third failure in the window (default cooldown: 3) takes it out altogether.
    await timeOut();
    expect(ids(plan('quickest').candidates)).toEqual(['openai:gpt-4o-mini']);
  });

  it('keeps no state for plain models', async () => {
    const { router } = await routerWorld();
    const route = router.resolve('gpt-4o-mini');
    const plain = router.plan({ route, needs: () => nothing, request }) as RoutePlan;
    for (let call = 0; call < 5; call++) await failure(router, plain, plain.candidates[0]!, 500);
    await router.reportAttempt(plain, plain.candidates[0]!, { kind: 'success', timeToFirstByteMs: 10 });
    expect(router.stats.timeToFirstTokenMs('openai:gpt-4o-mini')).toBeUndefined();
    expect(ids((router.plan({ route: router.resolve('fast'), needs: () => nothing, request }) as RoutePlan).cooling)).toEqual([]);
  });

  describe('with a policy script', () => {
    let directory: string;
    afterAll(async () => {
      if (directory) await rm(directory, { recursive: true, force: true });
    });

    it('loads it at start and plans asynchronously when it answers with a promise', async () => {
      directory = await mkdtemp(join(tmpdir(), 'sluice-router-'));
      const script = join(directory, 'route.mjs');
      await writeFile(script, `export async function choose(request, candidates) { return candidates.map((c) => c.id).reverse(); }`);
      const { router } = await routerWorld({ smart: { policy: 'script', script, targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:claude-haiku-4-5' }] } });
      const planned = router.plan({ route: router.resolve('smart'), needs: () => nothing, request });
      expect(planned).toBeInstanceOf(Promise);
      expect(ids((await planned).candidates)).toEqual(['anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini']);
      await expect(routerWorld({ broken: { policy: 'script', script: join(directory, 'none.mjs'), targets: [{ model: 'openai:gpt-4o-mini' }] } })).rejects.toThrow(
        /^groups\.broken\.script: cannot load the policy script/,
      );
    });
  });
});
