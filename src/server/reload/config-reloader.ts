import type { SluiceConfig } from '../../config/config-schema.js';
import { ConfigError } from '../../config/interpolate-env.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { Logger } from '../../domain/logger.js';
import { differencesOutside, fieldsDiffer } from './config-fields.js';
import type { BuiltPart, GatewayResources, ReloadablePart } from './reloadable-part.js';
import type { ServicesHolder } from './services-holder.js';

export interface ReloadOutcome {
  /** The parts whose config changed, in build order; empty when the file says what is already running. */
  changed: string[];
}

export interface ConfigReloaderOptions {
  holder: ServicesHolder;
  parts: readonly ReloadablePart[];
  /** The config as it was started with. */
  initialConfig: SluiceConfig;
  /** Reads the config again (the same file and environment as at start); throws a ConfigError when it is invalid. */
  readConfig: () => Promise<SluiceConfig>;
  gateway: GatewayResources;
  /** Resolves once every request in flight now has been answered: when the replaced services are unused. */
  whenRequestsInFlightEnd: () => Promise<void>;
  logger: Logger;
}

/**
 * Re-reads the config and swaps the services new requests get (see ServicesHolder). A reload either
 * applies entirely or not at all: a config that does not parse, does not validate, cannot be built (a group
 * naming an unknown model) or changes a field that needs a restart is refused with the reason, and the
 * running services stay. Reloads run one at a time, in the order they were asked for.
 */
export class ConfigReloader {
  readonly #options: ConfigReloaderOptions;
  #config: SluiceConfig;
  #queue: Promise<unknown> = Promise.resolve();
  /** Replaced pieces waiting for the requests that still use them. */
  readonly #retiring = new Set<Promise<void>>();

  constructor(options: ConfigReloaderOptions) {
    this.#options = options;
    this.#config = options.initialConfig;
  }

  /** Resolves with what changed; rejects with a GatewayError `invalid_config` naming the reason. */
  reload(): Promise<ReloadOutcome> {
    const run = this.#queue.then(() => this.#reload());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for replaced pieces to be released (called when the gateway stops). */
  async close(): Promise<void> {
    await this.#queue;
    await Promise.all(this.#retiring);
  }

  async #reload(): Promise<ReloadOutcome> {
    const { holder, parts, gateway, logger } = this.#options;
    const config = await this.#readConfig();
    const owned = parts.flatMap((part) => part.fields);
    const needRestart = differencesOutside(this.#config, config, owned);
    if (needRestart.length > 0) {
      throw refused(`these settings only change with a restart: ${needRestart.join(', ')}; nothing was applied (restore them, or restart)`);
    }

    const changed: string[] = [];
    const rebuilt = new Set<string>();
    for (const part of parts) {
      const differs = fieldsDiffer(this.#config, config, part.fields);
      if (differs) changed.push(part.name);
      if (differs || part.dependsOn?.some((name) => rebuilt.has(name))) rebuilt.add(part.name);
    }
    if (rebuilt.size === 0) {
      this.#config = config;
      return { changed };
    }

    const previous = holder.current;
    const next = { ...previous };
    const built: BuiltPart[] = [];
    try {
      for (const part of parts) {
        if (!rebuilt.has(part.name)) continue;
        const result = await part.build({ config, previous, next, gateway });
        if (result) built.push(result);
      }
    } catch (error) {
      await Promise.all(built.map((result) => result.discard?.().catch((discardError: unknown) => logger.warn({ err: discardError }, 'releasing a config that was not applied failed'))));
      if (error instanceof ConfigError) throw refused(error.message);
      logger.error({ err: error }, 'building the reloaded config failed');
      throw refused(`the config could not be applied: ${error instanceof Error ? error.message : String(error)}`);
    }

    holder.swap(next);
    this.#config = config;
    for (const result of built) result.commit?.();
    this.#retireWhenUnused(built);
    logger.info({ changed }, 'config reloaded');
    return { changed };
  }

  async #readConfig(): Promise<SluiceConfig> {
    try {
      return await this.#options.readConfig();
    } catch (error) {
      if (error instanceof ConfigError) throw refused(error.message);
      throw error;
    }
  }

  /** Requests that started before the swap keep the old pieces; they are released once those requests end. */
  #retireWhenUnused(built: readonly BuiltPart[]): void {
    const retirements = built.filter((result) => result.retire !== undefined);
    if (retirements.length === 0) return;
    const retiring = this.#options
      .whenRequestsInFlightEnd()
      .then(() => Promise.all(retirements.map((result) => result.retire!())))
      .then(
        () => undefined,
        (error: unknown) => this.#options.logger.warn({ err: error }, 'releasing the replaced config failed'),
      )
      .finally(() => this.#retiring.delete(retiring));
    this.#retiring.add(retiring);
  }
}

function refused(message: string): GatewayError {
  return new GatewayError('invalid_config', `Config not reloaded: ${message}`, { param: 'config' });
}
