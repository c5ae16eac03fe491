import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/config/interpolate-env.js';
import type { SluiceConfig } from '../../src/config/config-schema.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import type { GatewayServices } from '../../src/server/gateway-services.js';
import { createLogger } from '../../src/server/logger.js';
import { differencesOutside } from '../../src/server/reload/config-fields.js';
import { ConfigReloader } from '../../src/server/reload/config-reloader.js';
import type { GatewayResources, ReloadablePart } from '../../src/server/reload/reloadable-part.js';
import { ServicesHolder } from '../../src/server/reload/services-holder.js';

const logger = createLogger('silent');
const configOf = (document: Record<string, unknown>): SluiceConfig => parseConfig({ dataDir: '/tmp/sluice-reloader-test', ...document }, {});

/** Services reduced to what the fake parts below touch. */
interface FakeServices {
  aliases: string;
  router: string;
}

function harness(parts: readonly ReloadablePart[], initial: SluiceConfig) {
  const holder = new ServicesHolder({ aliases: 'a0', router: 'r0' } as unknown as GatewayServices);
  let next = initial;
  let endInFlight: () => void = () => undefined;
  const reloader = new ConfigReloader({
    holder,
    parts,
    initialConfig: initial,
    readConfig: async () => next,
    gateway: {} as GatewayResources,
    whenRequestsInFlightEnd: () => new Promise<void>((resolve) => (endInFlight = resolve)),
    logger,
  });
  return {
    holder,
    reloader,
    current: () => holder.current as unknown as FakeServices,
    setNext: (config: SluiceConfig) => (next = config),
    endInFlight: () => endInFlight(),
  };
}

describe('differencesOutside', () => {
  it('names what changed outside the owned fields, down to the second level', () => {
    const before = configOf({ server: { port: 1 }, cache: { partition: 'team', maxEntries: 10 }, providers: {} });
    const after = configOf({ server: { port: 2 }, cache: { partition: 'key', maxEntries: 20 }, providers: { openai: { apiKey: 'x' } }, database: { url: 'postgres://u:secret@h/d' } });
    expect(differencesOutside(before, after, ['providers', 'cache.partition']).sort()).toEqual(['cache.maxEntries', 'database.url', 'server.port']);
    expect(differencesOutside(before, before, [])).toEqual([]);
  });
});

describe('ConfigReloader', () => {
  const events: string[] = [];
  const parts: ReloadablePart[] = [
    {
      name: 'aliases',
      fields: ['aliases'],
      build: ({ config, next }) => {
        (next as unknown as FakeServices).aliases = Object.keys(config.aliases).join(',');
        return { commit: () => events.push('commit aliases') };
      },
    },
    {
      name: 'groups',
      fields: ['groups'],
      dependsOn: ['aliases'],
      build: ({ config, previous, next }) => {
        if (Object.hasOwn(config.groups, 'broken')) throw new ConfigError('groups.broken: cannot be built');
        const replaced = (previous as unknown as FakeServices).router;
        const built = `router(${Object.keys(config.groups).join(',')})`;
        (next as unknown as FakeServices).router = built;
        return {
          retire: async () => void events.push(`retire ${replaced}`),
          discard: async () => void events.push(`discard ${built}`),
        };
      },
    },
  ];

  it('rebuilds the parts whose fields changed and those depending on them, and names only the changed ones', async () => {
    events.length = 0;
    const initial = configOf({ aliases: { a: 'openai:gpt-4o' } });
    const test = harness(parts, initial);
    expect(await test.reloader.reload()).toEqual({ changed: [] });
    expect(test.current()).toEqual({ aliases: 'a0', router: 'r0' });

    test.setNext(configOf({ aliases: { a: 'openai:gpt-4o', b: 'openai:gpt-4o' } }));
    expect(await test.reloader.reload()).toEqual({ changed: ['aliases'] });
    // The router depends on the aliases, so it was rebuilt too.
    expect(test.current()).toEqual({ aliases: 'a,b', router: 'router()' });
    expect(events).toEqual(['commit aliases']);
    // The replaced router is released only once the requests in flight at the swap have ended.
    test.endInFlight();
    await test.reloader.close();
    expect(events).toEqual(['commit aliases', 'retire r0']);
  });

  it('applies nothing when a part cannot be built, and releases what was built', async () => {
    events.length = 0;
    const test = harness(parts, configOf({}));
    test.setNext(configOf({ aliases: { b: 'openai:gpt-4o' }, groups: { broken: { targets: [{ model: 'openai:gpt-4o' }] } } }));
    const refusal = await test.reloader.reload().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect((refusal as GatewayError).code).toBe('invalid_config');
    expect((refusal as GatewayError).message).toBe('Config not reloaded: groups.broken: cannot be built');
    expect(test.current()).toEqual({ aliases: 'a0', router: 'r0' });
    // The aliases part was built but never committed.
    expect(events).toEqual([]);

    // The config it refused is not taken as the running one: the same change is still a change.
    test.setNext(configOf({ aliases: { b: 'openai:gpt-4o' } }));
    expect(await test.reloader.reload()).toEqual({ changed: ['aliases'] });
  });

  it('refuses a change to a field no part owns', async () => {
    const test = harness(parts, configOf({}));
    test.setNext(configOf({ server: { port: 9999 }, aliases: { b: 'openai:gpt-4o' } }));
    await expect(test.reloader.reload()).rejects.toThrow(/only change with a restart: server\.port/);
    expect(test.current().aliases).toBe('a0');
  });

  it('runs reloads one at a time, in order', async () => {
    const order: string[] = [];
    const slow: ReloadablePart = {
      name: 'aliases',
      fields: ['aliases'],
      build: async ({ config, next }) => {
        const names = Object.keys(config.aliases).join(',');
        order.push(`start ${names}`);
        await new Promise((resolve) => setImmediate(resolve));
        (next as unknown as FakeServices).aliases = names;
        order.push(`end ${names}`);
        return undefined;
      },
    };
    const test = harness([slow], configOf({}));
    test.setNext(configOf({ aliases: { one: 'openai:gpt-4o' } }));
    const first = test.reloader.reload();
    test.setNext(configOf({ aliases: { two: 'openai:gpt-4o' } }));
    const second = test.reloader.reload();
    await Promise.all([first, second]);
    expect(order).toEqual(['start two', 'end two']);
    expect(test.current().aliases).toBe('two');
  });
});
