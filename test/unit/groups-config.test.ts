import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import { buildRouteGroups } from '../../src/routing/build-route-groups.js';
import { configuredAliases } from '../../src/routing/default-aliases.js';
import { recordingLogger } from '../helpers/routing-fixtures.js';

const coder = {
  policy: 'weighted',
  targets: [
    { model: 'anthropic:claude-sonnet-4-5', weight: 3, maxOutputTokens: 64000 },
    { model: 'openai:gpt-4.1', weight: 1, images: false },
  ],
  retry: { attempts: 2, maxRetryAfterMs: 5000 },
  timeToFirstTokenMs: 8000,
};

describe('groups: in the config', () => {
  it('reads the shape of the issue, with defaults for everything left out', () => {
    const config = parseConfig({ groups: { fast: { policy: 'failover', targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:claude-haiku-4-5', weight: 1 }] }, coder } }, {});
    expect(config.groups.fast).toEqual({
      policy: 'failover',
      targets: [
        { model: 'openai:gpt-4o-mini', weight: 1 },
        { model: 'anthropic:claude-haiku-4-5', weight: 1 },
      ],
      retry: { attempts: 2, maxRetryAfterMs: 5000, timeouts: false },
      policyTimeoutMs: 50,
      cooldown: { failures: 3, windowMs: 60_000, durationMs: 30_000, maxDurationMs: 300_000 },
    });
    expect(config.groups.coder).toMatchObject({ policy: 'weighted', timeToFirstTokenMs: 8000, targets: [{ weight: 3, maxOutputTokens: 64000 }, { images: false }] });
    expect(parseConfig({ groups: { plain: { targets: [{ model: 'openai:gpt-4o-mini' }] } } }, {}).groups.plain!.policy).toBe('failover');
    expect(parseConfig({}, {}).groups).toEqual({});
  });

  it.each([
    [{ groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini', speed: 'fast' }] } } }, 'groups.fast.targets.0.speed: unknown field'],
    [{ groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini' }], retries: 3 } } }, 'groups.fast.retries: unknown field'],
    [{ groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini' }], retry: { attempts: 2, backoff: 1 } } } }, 'groups.fast.retry.backoff: unknown field'],
    [{ groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini' }], cooldown: { seconds: 1 } } } }, 'groups.fast.cooldown.seconds: unknown field'],
    [{ groups: { fast: { targets: [] } } }, 'groups.fast.targets'],
    [{ groups: { fast: { policy: 'random', targets: [{ model: 'openai:gpt-4o-mini' }] } } }, 'groups.fast.policy'],
    [{ groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini', weight: 0 }] } } }, 'groups.fast.targets.0.weight'],
    [{ groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini', apis: ['soap'] }] } } }, 'groups.fast.targets.0.apis.0'],
    [{ groups: { fast: { policy: 'script', targets: [{ model: 'openai:gpt-4o-mini' }] } } }, "groups.fast.script: required for policy 'script'"],
    [{ groups: { fast: { policy: 'external', targets: [{ model: 'openai:gpt-4o-mini' }] } } }, "groups.fast.url: required for policy 'external'"],
    [{ groups: { fast: { url: 'http://127.0.0.1:9/route', targets: [{ model: 'openai:gpt-4o-mini' }] } } }, "groups.fast.url: only used by policy 'external'"],
    [{ groups: { fast: { targets: [{ model: 'openaii:gpt-4o-mini' }] } } }, "groups.fast.targets.0.model: unknown provider 'openaii'"],
    [{ aliases: { fast: 'openai:gpt-4o-mini' }, groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini' }] } } }, "groups.fast: 'fast' is also an alias"],
    [{ groups: { 'openai:fast': { targets: [{ model: 'openai:gpt-4o-mini' }] } } }, "groups.openai:fast: a group name cannot contain ':'"],
    [JSON.parse('{"groups":{"__proto__":{"targets":[{"model":"openai:gpt-4o-mini"}]}}}'), "groups.__proto__: '__proto__' cannot be used as a name"],
  ])('refuses %j naming the field', (document, message) => {
    expect(() => parseConfig(document, {})).toThrow(message);
  });

  it('accepts targets on providers configured in the file, and aliases pointing at groups', () => {
    const config = parseConfig(
      {
        providers: { vllm: { baseUrl: 'http://127.0.0.1:8000/v1', models: ['llama'] } },
        aliases: { quick: 'fast' },
        groups: { fast: { targets: [{ model: 'vllm:llama' }, { model: 'llama' }] } },
      },
      {},
    );
    expect(config.groups.fast!.targets.map((target) => target.model)).toEqual(['vllm:llama', 'llama']);
  });

  describe('policy scripts', () => {
    let directory: string;
    afterAll(async () => {
      if (directory) await rm(directory, { recursive: true, force: true });
    });

    it('are found beside the config file that names them', async () => {
      directory = await mkdtemp(join(tmpdir(), 'sluice-groups-'));
      const path = join(directory, 'sluice.yaml');
      await writeFile(path, 'groups:\n  smart:\n    policy: script\n    script: ./route.js\n    targets:\n      - { model: openai:gpt-4o-mini }\n');
      const config = await loadConfig({ path, env: {} });
      expect(config.groups.smart!.script).toBe(join(directory, 'route.js'));
    });
  });
});

describe('groups: resolved at start', () => {
  const env = { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o' };
  const build = (document: Record<string, unknown>, warnings: string[] = []) => {
    const config = parseConfig(document, {});
    const registry = buildProviderRegistry({ config, env, providersWithStoredKeys: new Set() });
    return buildRouteGroups({
      groups: config.groups,
      registry,
      aliases: configuredAliases(config.aliases),
      switchedOffProviders: registry.switchedOffNames(),
      logger: recordingLogger(warnings),
    });
  };

  it('resolves targets through aliases and model names, with capabilities defaulted from the provider', () => {
    const groups = build({
      providers: { local: { baseUrl: 'http://127.0.0.1:8000/v1', models: ['llama-text'], images: false } },
      aliases: { haiku: 'anthropic:claude-haiku-4-5' },
      groups: { coder: { ...coder, targets: [...coder.targets, { model: 'haiku', tools: false, reasoning: false, apis: ['anthropic-messages'] }, { model: 'llama-text', contextWindow: 8192 }] } },
    });
    const group = groups.get('coder')!;
    expect(group).toMatchObject({ name: 'coder', policy: 'weighted', retry: { attempts: 2, maxRetryAfterMs: 5000 }, timeToFirstTokenMs: 8000 });
    expect(group.targets.map((target) => [target.id, target.weight, target.index])).toEqual([
      ['anthropic:claude-sonnet-4-5', 3, 0],
      ['openai:gpt-4.1', 1, 1],
      ['anthropic:claude-haiku-4-5', 1, 2],
      ['local:llama-text', 1, 3],
    ]);
    expect(group.targets[0]!.capabilities).toEqual({ tools: true, images: true, reasoning: true, maxOutputTokens: 64000, contextWindow: undefined, apis: ['anthropic-messages'], embeddings: false });
    expect(group.targets[1]!.capabilities).toMatchObject({ images: false, apis: ['openai-chat', 'openai-responses'] });
    expect(group.targets[2]!.capabilities).toMatchObject({ tools: false, reasoning: false, apis: ['anthropic-messages'] });
    expect(group.targets[3]!.capabilities).toMatchObject({ images: false, contextWindow: 8192, apis: ['openai-chat'] });
    expect(group.targets[3]!.provider.name).toBe('local');
  });

  it.each([
    [{ groups: { fast: { targets: [{ model: 'no-such-model' }] } } }, "groups.fast.targets.0.model: 'no-such-model' is not a model Sluice can route"],
    [{ groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini' }] }, outer: { targets: [{ model: 'fast' }] } } }, "groups.outer.targets.0.model: 'fast' is a group"],
    [{ aliases: { quick: 'fast' }, groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini' }] }, outer: { targets: [{ model: 'quick' }] } } }, "groups.outer.targets.0.model: 'quick' is a group"],
    [{ groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini', apis: ['anthropic-messages'] }] } } }, "groups.fast.targets.0.apis: provider 'openai' does not speak 'anthropic-messages'"],
    [{ groups: { fast: { targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'gpt-4o-mini' }] } } }, "groups.fast.targets.1.model: 'openai:gpt-4o-mini' is already a target"],
  ])('refuses %j naming the field', (document, message) => {
    expect(() => build(document)).toThrow(message);
  });

  it('leaves out targets of a switched-off provider with a warning, and refuses a group left empty', () => {
    const warnings: string[] = [];
    const groups = build({ providers: { grok: { enabled: false } }, groups: { fast: { targets: [{ model: 'grok:grok-4' }, { model: 'openai:gpt-4o-mini' }] } } }, warnings);
    expect(groups.get('fast')!.targets.map((target) => [target.id, target.index])).toEqual([['openai:gpt-4o-mini', 0]]);
    expect(warnings).toEqual(["groups.fast.targets.0: provider 'grok' is switched off; the target is left out"]);
    expect(() => build({ providers: { grok: { enabled: false } }, groups: { fast: { targets: [{ model: 'grok:grok-4' }] } } })).toThrow(
      "groups.fast.targets: every target's provider is switched off",
    );
  });
});
