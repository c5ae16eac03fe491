import { parseConfig } from '../../src/config/load-config.js';
import type { JsonObject } from '../../src/dialects/wire-facts.js';
import type { DialectName } from '../../src/domain/dialect-name.js';
import { dialects } from '../../src/dialects/dialects.js';
import type { Logger } from '../../src/domain/logger.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import { buildRouteGroups } from '../../src/routing/build-route-groups.js';
import { routingNeedsOf, type RoutingNeeds } from '../../src/routing/routing-needs.js';
import { configuredAliases } from '../../src/routing/default-aliases.js';

/** A logger whose warnings a test can read back (`lines`, or the array passed in); other levels are dropped. */
export function recordingLogger(lines: string[] = []): Logger & { lines: string[] } {
  const ignore = (): void => {};
  return { warn: (_fields: unknown, message?: string) => void lines.push(String(message)), error: ignore, info: ignore, debug: ignore, lines };
}

/** A config document resolved the way a gateway does at start: the registry, the aliases, the groups. */
export function routingWorld(document: Record<string, unknown>) {
  const config = parseConfig(document, {});
  const registry = buildProviderRegistry({ config, env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o', GEMINI_API_KEY: 'g' }, providersWithStoredKeys: new Set() });
  const aliases = configuredAliases(config.aliases);
  const logger = recordingLogger();
  const groups = buildRouteGroups({ groups: config.groups, registry, aliases, switchedOffProviders: registry.switchedOffNames(), logger });
  return { config, registry, aliases, groups, logger };
}

/** What a request body in a given shape needs, read the way the request path reads it. */
export function needsOf(dialect: DialectName, body: JsonObject): RoutingNeeds {
  return routingNeedsOf({ dialect, body, coreRequest: () => dialects[dialect].decodeRequest(body), estimateInputTokens: () => 1_000 });
}
