import { parseConfig } from '../../src/config/load-config.js';
import type { JsonObject } from '../../src/dialects/dialect.js';
import type { DialectName } from '../../src/domain/dialect-name.js';
import { dialects } from '../../src/dialects/dialects.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import { buildRouteGroups } from '../../src/routing/build-route-groups.js';
import { routingNeedsOf, type RoutingNeeds } from '../../src/routing/routing-needs.js';
import { configuredAliases } from '../../src/routing/default-aliases.js';

/** Log lines a test can read back. */
export function recordingLogger(): { warn: (fields: unknown, message?: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { warn: (_fields, message) => void lines.push(String(message)), lines };
}

/** A config document resolved the way a gateway does at start: the registry, the aliases, the groups. */
export function routingWorld(document: Record<string, unknown>) {
  const config = parseConfig(document, {});
  const registry = buildProviderRegistry({ config, env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o', GEMINI_API_KEY: 'g' }, providersWithStoredKeys: new Set() });
  const aliases = configuredAliases(config.aliases);
  const logger = recordingLogger();
  const groups = buildRouteGroups({ groups: config.groups, registry, aliases, switchedOffProviders: registry.switchedOffNames(), logger: logger as never });
  return { config, registry, aliases, groups, logger };
}

/** What a request body in a given shape needs, read the way the request path reads it. */
export function needsOf(dialect: DialectName, body: JsonObject): RoutingNeeds {
  return routingNeedsOf({ dialect, body, coreRequest: () => dialects[dialect].decodeRequest(body), estimateInputTokens: () => 1_000 });
}
