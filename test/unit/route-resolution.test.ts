import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { resolveRoute } from '../../src/routing/resolve-route.js';
import { routingWorld } from '../helpers/routing-fixtures.js';

const world = routingWorld({
  providers: { local: { baseUrl: 'http://127.0.0.1:8000/v1', models: ['llama-text'], images: false } },
  aliases: { haiku: 'anthropic:claude-haiku-4-5', quick: 'fast', speedy: 'quick', constructor: 'fast' },
  groups: {
    fast: { targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'haiku' }] },
    coder: { policy: 'weighted', targets: [{ model: 'anthropic:claude-sonnet-4-5', weight: 3 }, { model: 'openai:gpt-4.1' }] },
  },
});

function resolve(name: string, pinned?: string) {
  return resolveRoute(name, { ...world, pinnedProvider: pinned ? world.registry.get(pinned) : undefined });
}

describe('resolving a requested name into candidates', () => {
  it('gives a plain model one candidate with its provider’s capabilities', () => {
    const route = resolve('gpt-4o-mini');
    expect(route.group).toBeUndefined();
    expect(route.requestedName).toBe('gpt-4o-mini');
    expect(route.candidates.map((target) => target.id)).toEqual(['openai:gpt-4o-mini']);
    expect(route.candidates[0]).toMatchObject({ upstreamModel: 'gpt-4o-mini', weight: 1, index: 0, provider: { name: 'openai' } });
    expect(route.candidates[0]!.capabilities).toEqual({
      tools: true,
      images: true,
      reasoning: true,
      maxOutputTokens: undefined,
      contextWindow: undefined,
      apis: ['openai-chat', 'openai-responses'],
    });
    expect(resolve('llama-text').candidates[0]!.capabilities).toMatchObject({ images: false, apis: ['openai-chat'] });
    expect(resolve('haiku').candidates.map((target) => target.id)).toEqual(['anthropic:claude-haiku-4-5']);
  });

  it('gives a group its targets in config order, named directly or through aliases of aliases', () => {
    for (const name of ['fast', 'quick', 'speedy']) {
      const route = resolve(name);
      expect(route.group?.name).toBe('fast');
      expect(route.requestedName).toBe(name);
      expect(route.candidates.map((target) => target.id)).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5']);
    }
    expect(resolve('coder').candidates.map((target) => target.weight)).toEqual([3, 1]);
  });

  it('keeps only the pinned provider’s targets of a group on a pinned route, and 404s when there are none', () => {
    expect(resolve('fast', 'anthropic').candidates.map((target) => target.id)).toEqual(['anthropic:claude-haiku-4-5']);
    expect(resolve('fast', 'anthropic').group?.name).toBe('fast');
    const refused = (() => {
      try {
        resolve('fast', 'gemini');
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: 'model_not_found', status: 404, message: "The group 'fast' has no target on provider 'gemini', which this route is pinned to." });
    // A pinned provider still takes any plain model name.
    expect(resolve('my-finetune', 'anthropic').candidates.map((target) => target.id)).toEqual(['anthropic:my-finetune']);
  });

  it('never finds a name on Object’s prototype', () => {
    expect(() => resolve('toString')).toThrow(/does not exist/);
    expect(() => resolve('__proto__')).toThrow(/does not exist/);
    expect(() => resolve('hasOwnProperty')).toThrow(/does not exist/);
    // An alias the operator really named `constructor` works like any other.
    expect(resolve('constructor').group?.name).toBe('fast');
  });

  it('404s unknown names as before', () => {
    expect(() => resolve('no-such-model')).toThrow(/does not exist or is not routed/);
    expect(() => resolve('openai:gpt-4o-mini', 'anthropic')).toThrow(/pinned/);
  });
});
