import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/config/interpolate-env.js';
import { Pricer } from '../../src/usage/pricing.js';
import { CostPolicy } from '../../src/routing/policies/cost-policy.js';
import { createPolicyServiceDispatcher } from '../../src/routing/policies/create-policy.js';
import { ExternalPolicy } from '../../src/routing/policies/external-policy.js';
import { failoverPolicy } from '../../src/routing/policies/failover-policy.js';
import { leastLatencyPolicy } from '../../src/routing/policies/least-latency-policy.js';
import { PolicyFallbackLog } from '../../src/routing/policies/policy-fallback-log.js';
import type { PolicyContext, RequestFacts } from '../../src/routing/policies/routing-policy.js';
import { loadPolicyScript, ScriptPolicy } from '../../src/routing/policies/script-policy.js';
import { staticPolicy } from '../../src/routing/policies/static-policy.js';
import { WeightedPolicy } from '../../src/routing/policies/weighted-policy.js';
import type { ResolvedGroup } from '../../src/routing/route-target.js';
import type { RouteTarget } from '../../src/domain/route-target.js';
import { TargetStats } from '../../src/routing/target-stats.js';
import { needsOf, recordingLogger, routingWorld } from '../helpers/routing-fixtures.js';

const world = routingWorld({
  providers: { local: { baseUrl: 'http://127.0.0.1:8000/v1', models: ['llama-text'] } },
  groups: {
    pair: { policy: 'weighted', targets: [{ model: 'anthropic:claude-sonnet-4-5', weight: 3 }, { model: 'openai:gpt-4.1', weight: 1 }] },
    five: {
      policy: 'weighted',
      targets: [
        { model: 'openai:gpt-4o-mini', weight: 1 },
        { model: 'anthropic:claude-haiku-4-5', weight: 5 },
        { model: 'openai:gpt-4.1', weight: 0.5 },
        { model: 'anthropic:claude-sonnet-4-5', weight: 3 },
        { model: 'gemini:gemini-2.5-flash', weight: 1 },
      ],
    },
    mixed: { targets: [{ model: 'anthropic:claude-sonnet-4-5' }, { model: 'openai:gpt-4o-mini' }, { model: 'llama-text' }] },
  },
});
const group = (name: string) => world.groups.get(name)!;
const ids = (targets: readonly RouteTarget[]) => targets.map((target) => target.id);
const request: RequestFacts = { dialect: 'openai-chat', stream: true, estimateInputTokens: () => 1234, keyName: 'ci-key', userName: 'ann', teamName: 'platform' };
const contextOf = (resolved: ResolvedGroup, overrides: Partial<PolicyContext> = {}): PolicyContext => ({
  group: resolved,
  requestedName: resolved.name,
  request,
  needs: needsOf('openai-chat', { model: resolved.name, messages: [{ role: 'user', content: 'secret prompt text' }], max_tokens: 300 }),
  stats: new TargetStats(),
  ...overrides,
});

describe('static and failover', () => {
  it('static: the first eligible target alone; failover: config order', () => {
    const { targets } = group('mixed');
    expect(ids(staticPolicy.order(targets, contextOf(group('mixed'))) as RouteTarget[])).toEqual(['anthropic:claude-sonnet-4-5']);
    expect(ids(staticPolicy.order(targets.slice(1), contextOf(group('mixed'))) as RouteTarget[])).toEqual(['openai:gpt-4o-mini']);
    expect(staticPolicy.skipsCoolingTargets).toBe(false);
    expect(ids(failoverPolicy.order(targets, contextOf(group('mixed'))) as RouteTarget[])).toEqual(ids(targets));
    expect(failoverPolicy.skipsCoolingTargets).toBe(true);
  });
});

describe('weighted', () => {
  const picks = (policy: WeightedPolicy, targets: readonly RouteTarget[], count: number) => {
    const counts = new Map<string, number>();
    const sequence: string[] = [];
    for (let pick = 0; pick < count; pick++) {
      const first = policy.order(targets)[0]!.id;
      sequence.push(first);
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    return { counts, sequence };
  };

  it('splits 2,000 picks by weight within ±5%', () => {
    for (const name of ['pair', 'five']) {
      const resolved = group(name);
      const total = resolved.targets.reduce((sum, target) => sum + target.weight, 0);
      const { counts } = picks(new WeightedPolicy(resolved), resolved.targets, 2_000);
      for (const target of resolved.targets) {
        const expected = (2_000 * target.weight) / total;
        expect(Math.abs((counts.get(target.id) ?? 0) - expected)).toBeLessThanOrEqual(expected * 0.05);
      }
    }
  });

  it('spreads picks out instead of sending them in bursts, and fails over in weight order', () => {
    const pair = group('pair');
    expect(picks(new WeightedPolicy(pair), pair.targets, 8).sequence).toEqual([
      'anthropic:claude-sonnet-4-5',
      'anthropic:claude-sonnet-4-5',
      'openai:gpt-4.1',
      'anthropic:claude-sonnet-4-5',
      'anthropic:claude-sonnet-4-5',
      'anthropic:claude-sonnet-4-5',
      'openai:gpt-4.1',
      'anthropic:claude-sonnet-4-5',
    ]);
    const five = group('five');
    const order = ids(new WeightedPolicy(five).order(five.targets));
    expect(order).toEqual(['anthropic:claude-haiku-4-5', 'anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini', 'gemini:gemini-2.5-flash', 'openai:gpt-4.1']);
  });

  it('shares picks among the targets usable for each call only', () => {
    const five = group('five');
    const usable = five.targets.filter((target) => target.id !== 'anthropic:claude-haiku-4-5');
    const { counts } = picks(new WeightedPolicy(five), usable, 1_100);
    expect(counts.get('anthropic:claude-haiku-4-5')).toBeUndefined();
    expect(counts.get('anthropic:claude-sonnet-4-5')).toBe(600);
    expect(counts.get('openai:gpt-4.1')).toBe(100);
    expect(ids(new WeightedPolicy(five).order(usable)).includes('anthropic:claude-haiku-4-5')).toBe(false);
  });
});

describe('least-latency', () => {
  it('tries unknown targets first, then follows the lowest moving average of time to first token', () => {
    let now = 0;
    const stats = new TargetStats({ now: () => now, lifetimeMs: 60_000 });
    const mixed = group('mixed');
    const context = contextOf(mixed, { stats });
    const order = () => ids(leastLatencyPolicy.order(mixed.targets, context) as RouteTarget[]);
    expect(order()).toEqual(['anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini', 'local:llama-text']);
    stats.observe('anthropic:claude-sonnet-4-5', 900);
    expect(order()).toEqual(['openai:gpt-4o-mini', 'local:llama-text', 'anthropic:claude-sonnet-4-5']);
    stats.observe('openai:gpt-4o-mini', 200);
    stats.observe('local:llama-text', 400);
    expect(order()).toEqual(['openai:gpt-4o-mini', 'local:llama-text', 'anthropic:claude-sonnet-4-5']);
    // gpt-4o-mini turns slow: the average follows within a few calls.
    for (let call = 0; call < 5; call++) stats.observe('openai:gpt-4o-mini', 3_000);
    expect(stats.timeToFirstTokenMs('openai:gpt-4o-mini')).toBeGreaterThan(900);
    expect(order()).toEqual(['local:llama-text', 'anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini']);
    // An estimate not refreshed for a while is forgotten, so the slow target gets another chance.
    now += 30_000;
    stats.observe('local:llama-text', 400);
    stats.observe('anthropic:claude-sonnet-4-5', 900);
    now += 40_000;
    expect(order()).toEqual(['openai:gpt-4o-mini', 'local:llama-text', 'anthropic:claude-sonnet-4-5']);
  });
});

describe('cost', () => {
  it('picks the cheapest target for this request’s tokens, unknown prices last', () => {
    const pricer = new Pricer({
      'anthropic:claude-sonnet-4-5': { inputPerMillion: 1, outputPerMillion: 100 },
      'openai:gpt-4o-mini': { inputPerMillion: 10, outputPerMillion: 10 },
    });
    const mixed = group('mixed');
    const policy = new CostPolicy(pricer);
    const withTokens = (input: number, maxTokens: number | undefined) =>
      ids(
        policy.order(
          mixed.targets,
          contextOf(mixed, {
            request: { ...request, estimateInputTokens: () => input },
            needs: needsOf('openai-chat', { model: 'mixed', messages: [{ role: 'user', content: 'x' }], ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }) }),
          }),
        ),
      );
    // A long prompt and a short answer: input price decides.
    expect(withTokens(10_000, 100)).toEqual(['anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini', 'local:llama-text']);
    // A short prompt and a long answer: output price decides.
    expect(withTokens(100, 10_000)).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'local:llama-text']);
    // No max_tokens: 1,000 output tokens are assumed, so the output price still counts (with none, sonnet would win).
    expect(withTokens(100, undefined)).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'local:llama-text']);
    expect(policy.estimateUsd(mixed.targets[2]!, 1, 1)).toBe(Number.POSITIVE_INFINITY);
  });

  it('uses catalogue prices when no override is set', () => {
    const mixed = group('mixed');
    const policy = new CostPolicy(new Pricer({}));
    expect(ids(policy.order(mixed.targets, contextOf(mixed)))).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'local:llama-text']);
    expect(policy.estimateUsd(mixed.targets[1]!, 1_000_000, 0)).toBeCloseTo(0.15, 6);
  });
});

describe('script', () => {
  let directory: string;
  const script = async (name: string, source: string) => {
    const path = join(directory, name);
    await writeFile(path, source);
    return path;
  };
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'sluice-policy-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const policyFrom = async (path: string, timeoutMs = 50) => {
    const logger = recordingLogger();
    const policy = new ScriptPolicy(await loadPolicyScript(path, 'groups.mixed.script'), { timeoutMs, fallbackLog: new PolicyFallbackLog(logger) });
    return { policy, logger };
  };
  const mixed = () => group('mixed');

  it('orders targets as the script says, given routing facts and never the messages', async () => {
    const path = await script(
      'reverse.mjs',
      `export function choose(request, candidates, stats) {
         globalThis.seenByScript = { request, candidates, stats };
         return candidates.map((candidate) => candidate.id).reverse();
       }`,
    );
    const { policy, logger } = await policyFrom(path);
    const stats = new TargetStats();
    stats.observe('openai:gpt-4o-mini', 250);
    const order = policy.order(mixed().targets, contextOf(mixed(), { stats }));
    expect(order).not.toBeInstanceOf(Promise);
    expect(ids(order as RouteTarget[])).toEqual(['local:llama-text', 'openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5']);
    const seen = (globalThis as unknown as { seenByScript: { request: unknown; candidates: unknown[]; stats: Record<string, unknown> } }).seenByScript;
    expect(seen.request).toEqual({
      requestedModel: 'mixed',
      group: 'mixed',
      dialect: 'openai-chat',
      stream: true,
      estimatedInputTokens: 1234,
      maxOutputTokens: 300,
      needs: { tools: false, images: false, reasoning: false, requiredShape: null },
      key: 'ci-key',
      user: 'ann',
      team: 'platform',
      candidates: ['anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini', 'local:llama-text'],
    });
    expect(JSON.stringify(seen)).not.toContain('secret prompt text');
    expect(seen.candidates[1]).toEqual({
      id: 'openai:gpt-4o-mini',
      provider: 'openai',
      model: 'gpt-4o-mini',
      weight: 1,
      index: 1,
      tools: true,
      images: true,
      reasoning: true,
      maxOutputTokens: null,
      contextWindow: null,
      apis: ['openai-chat', 'openai-responses'],
    });
    expect(seen.stats['openai:gpt-4o-mini']).toEqual({ timeToFirstTokenMs: 250, samples: 1 });
    expect(logger.lines).toEqual([]);
  });

  it('takes an async answer, candidate objects, and a CommonJS module', async () => {
    const asynchronous = await policyFrom(await script('async.mjs', `export async function choose(request, candidates) { return [candidates[2], candidates[0]]; }`));
    expect(ids(await asynchronous.policy.order(mixed().targets, contextOf(mixed())))).toEqual(['local:llama-text', 'anthropic:claude-sonnet-4-5']);
    const commonJs = await policyFrom(await script('route.cjs', `module.exports = { choose: (request, candidates) => [candidates[1].id] };`));
    expect(ids(await commonJs.policy.order(mixed().targets, contextOf(mixed())))).toEqual(['openai:gpt-4o-mini']);
  });

  it.each([
    ['throws', `export function choose() { throw new Error('boom'); }`, 'the script threw'],
    ['rejects', `export async function choose() { throw new Error('boom'); }`, 'the script rejected'],
    ['names an unknown target', `export function choose() { return ['openai:gpt-5-turbo-max']; }`, 'the answer was not a list of offered target ids'],
    ['answers nothing', `export function choose() { return []; }`, 'the answer was not a list of offered target ids'],
    ['answers an object', `export function choose() { return { order: [] }; }`, 'the answer was not a list of offered target ids'],
  ])('falls back to config order with a log line when the script %s', async (_case, source, why) => {
    const { policy, logger } = await policyFrom(await script(`${_case.replace(/ /g, '-')}.mjs`, source));
    expect(ids(await policy.order(mixed().targets, contextOf(mixed())))).toEqual(ids(mixed().targets));
    expect(logger.lines).toEqual([`routing policy of group 'mixed' failed (${why}); the configured order is used`]);
  });

  it('falls back when the answer takes longer than policyTimeoutMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { policy, logger } = await policyFrom(await script('slow.mjs', `export function choose() { return new Promise(() => {}); }`), 50);
    const pending = policy.order(mixed().targets, contextOf(mixed()));
    await vi.advanceTimersByTimeAsync(49);
    expect(logger.lines).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ids(await pending)).toEqual(ids(mixed().targets));
    expect(logger.lines).toEqual(["routing policy of group 'mixed' failed (no answer within 50 ms); the configured order is used"]);
  });

  it('falls back when a synchronous answer took longer than policyTimeoutMs', async () => {
    const { policy, logger } = await policyFrom(
      await script('busy.mjs', `export function choose(request, candidates) { const end = performance.now() + 20; while (performance.now() < end); return [candidates[2].id]; }`),
      5,
    );
    expect(ids(policy.order(mixed().targets, contextOf(mixed())) as RouteTarget[])).toEqual(ids(mixed().targets));
    expect(logger.lines[0]).toMatch(/^routing policy of group 'mixed' failed \(the script took \d+ ms, over 5 ms\)/);
  });

  it('logs one line per quiet period, not one per call', async () => {
    const { policy, logger } = await policyFrom(await script('always-throws.mjs', `export function choose() { throw new Error('boom'); }`));
    for (let call = 0; call < 20; call++) await policy.order(mixed().targets, contextOf(mixed()));
    expect(logger.lines).toHaveLength(1);
  });

  it('stops the start, naming the field, when the script cannot be loaded or exports no choose', async () => {
    await expect(loadPolicyScript(join(directory, 'missing.mjs'), 'groups.mixed.script')).rejects.toThrow(ConfigError);
    await expect(loadPolicyScript(join(directory, 'missing.mjs'), 'groups.mixed.script')).rejects.toThrow(/^groups\.mixed\.script: cannot load the policy script/);
    const path = await script('no-choose.mjs', `export function pick() { return []; }`);
    await expect(loadPolicyScript(path, 'groups.mixed.script')).rejects.toThrow(`groups.mixed.script: the policy script ${path} does not export a function 'choose'`);
  });
});

describe('external', () => {
  type Handler = (body: Record<string, unknown>, response: ServerResponse) => void;
  let server: Server;
  let url: string;
  let handler: Handler;
  const received: Array<Record<string, unknown>> = [];
  const dispatcher = createPolicyServiceDispatcher();

  beforeAll(async () => {
    server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      incoming.on('end', () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        received.push(body);
        handler(body, response);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/route`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await dispatcher.close();
  });

  const policyFor = (target: string, timeoutMs = 50) => {
    const logger = recordingLogger();
    return { policy: new ExternalPolicy({ url: target, timeoutMs, dispatcher, fallbackLog: new PolicyFallbackLog(logger) }), logger };
  };
  const json = (status: number, body: unknown) => (_body: Record<string, unknown>, response: ServerResponse) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const mixed = () => group('mixed');

  it('posts the routing facts, not the content, and follows the order answered', async () => {
    handler = (body, response) => json(200, { order: [...(body.candidates as string[])].reverse() })(body, response);
    received.length = 0;
    const { policy, logger } = policyFor(url);
    expect(ids(await policy.order(mixed().targets, contextOf(mixed())))).toEqual(['local:llama-text', 'openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5']);
    expect(received).toHaveLength(1);
    expect(Object.keys(received[0]!).sort()).toEqual(
      ['candidates', 'dialect', 'estimatedInputTokens', 'group', 'key', 'maxOutputTokens', 'needs', 'requestedModel', 'stream', 'team', 'user'].sort(),
    );
    expect(JSON.stringify(received[0])).not.toContain('secret prompt text');
    expect(logger.lines).toEqual([]);
  });

  it.each([
    ['answers 500', json(500, { order: ['openai:gpt-4o-mini'] }), /failed \(http:\/\/127\.0\.0\.1:\d+\/route failed\)/],
    ['answers an unknown target', json(200, { order: ['openai:gpt-9'] }), /answered something other than \{"order": \[offered target ids\]\}/],
    ['answers no order', json(200, { route: ['openai:gpt-4o-mini'] }), /answered something other than/],
    ['answers invalid JSON', (_body: Record<string, unknown>, response: ServerResponse) => response.end('{not json'), /failed \(http:\/\/127\.0\.0\.1:\d+\/route failed\)/],
    ['never answers', () => undefined, /no answer from http:\/\/127\.0\.0\.1:\d+\/route within 50 ms/],
  ])('falls back to config order with a log line when the service %s', async (_case, behaviour, why) => {
    handler = behaviour;
    const { policy, logger } = policyFor(url);
    const started = performance.now();
    expect(ids(await policy.order(mixed().targets, contextOf(mixed())))).toEqual(ids(mixed().targets));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(why);
  });

  it('falls back when nothing listens at the url', async () => {
    const { policy, logger } = policyFor('http://127.0.0.1:1/route');
    expect(ids(await policy.order(mixed().targets, contextOf(mixed())))).toEqual(ids(mixed().targets));
    expect(logger.lines[0]).toMatch(/^routing policy of group 'mixed' failed \(http:\/\/127\.0\.0\.1:1\/route failed\)/);
  });
});
