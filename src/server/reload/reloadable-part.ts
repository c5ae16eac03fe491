import type { SluiceConfig } from '../../config/config-schema.js';
import type { Cooldowns } from '../../routing/cooldowns.js';
import type { Tracing } from '../../telemetry/tracing.js';
import type { GatewayLogger } from '../logger.js';
import type { GatewayServices } from '../gateway-services.js';

/** What parts may use beyond the services: things the gateway owns for its whole life. */
export interface GatewayResources {
  env: NodeJS.ProcessEnv;
  logger: GatewayLogger;
  /** Shared with every router the gateway builds, so cooldowns outlive a reload. */
  cooldowns: Cooldowns;
  /** Starts what cooldowns need once a config has model groups (the Redis mirror); idempotent. */
  enableCooldowns(): void;
  /** The built-in mock upstream's base URL, started on first use. */
  mockUpstreamBaseUrl(): Promise<string>;
  /** Traces as `telemetry` asks: an OTLP exporter, or null when no endpoint is set. */
  startTracing(settings: SluiceConfig['telemetry']): Promise<Tracing | null>;
  /** Gives the usage writer thread a new price list (and provider pricing ids), named by its epoch. */
  updateUsagePricing(pricingEpoch: number, pricing: SluiceConfig['pricing']['overrides'], pricingProviderIds: Array<[string, string | undefined]>): void;
  /** Gives the usage writer thread new configured redactions (`capture.redact`) for the captures it seals. */
  updateCaptureRedaction(redact: SluiceConfig['capture']['redact']): void;
  /** Turns the per-call log lines (`log.requests`) on or off; nothing when the gateway writes none. */
  setRequestLogging(enabled: boolean): void;
}

export interface ReloadContext {
  /** The config being applied. */
  config: SluiceConfig;
  /** The services requests are served with now. */
  previous: GatewayServices;
  /** The services being built: a copy of `previous` in which each rebuilt part replaces its pieces. */
  next: GatewayServices;
  gateway: GatewayResources;
}

/** What building a part produced, for the steps after every part was built. */
export interface BuiltPart {
  /** Runs once the new services are installed (side effects outside the services object). */
  commit?(): void;
  /** Releases what the replaced pieces held, once no request uses them any more. */
  retire?(): Promise<void>;
  /** Releases what was built, when another part failed and the reload is refused. */
  discard?(): Promise<void>;
}

/**
 * One piece of the gateway that a reload can rebuild from the config. A part is rebuilt when the config it
 * reads (`fields`) changed or a part it `dependsOn` was rebuilt; parts are built in list order, so a part
 * comes after those it depends on. Any field no part owns needs a restart to change.
 */
export interface ReloadablePart {
  readonly name: string;
  /** The config paths this part is built from (`providers`, `cache.partition`). */
  readonly fields: readonly string[];
  readonly dependsOn?: readonly string[];
  /** Builds into `context.next`; throws (a ConfigError with the reason) when the config cannot be applied. */
  build(context: ReloadContext): Promise<BuiltPart | undefined> | BuiltPart | undefined;
}
