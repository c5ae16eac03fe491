import { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../server/logger.js';
import { startGateway, type RunningGateway } from '../server/start-gateway.js';
import { applyGarbageCollectionSettings } from '../support/garbage-collection-settings.js';
import { applyGatewayMemorySettings } from '../support/memory-settings.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('start the gateway')
    .option('--config <path>', 'path to sluice.yaml (or set SLUICE_CONFIG)')
    .option('--port <port>', 'listen port (overrides config)')
    .option('--host <host>', 'listen address (overrides config)')
    .action(async (options: { config?: string; port?: string; host?: string }) => {
      // First: V8 reads these when it next collects, and the worker threads started below inherit them.
      const collection = applyGarbageCollectionSettings();
      applyGatewayMemorySettings();
      const env = { ...process.env };
      if (options.port) env.SLUICE_PORT = options.port;
      if (options.host) env.SLUICE_HOST = options.host;
      // A reload reads the same file with the same environment (and flags) as this start.
      const readConfig = () => loadConfig({ path: options.config, env });
      const config = await readConfig();
      const logger = createLogger(config.logLevel);
      if (!collection.concurrentMarking) logger.info('one core: V8 marks the heap on the event loop, in small steps (concurrent marking off)');
      // SLUICE_LOG_FORMAT=json (the container image sets it): no text banner and no key printed, ever.
      const json = env.SLUICE_LOG_FORMAT === 'json';
      const gateway = await startGateway({ config, env, logger, issueFirstKey: !json, keysFromEnvironment: true, readConfig, requestLogStream: process.stderr });
      // Signals are handled before the banner says the gateway is up: a SIGTERM sent as soon as it is read
      // must drain, not kill the process with Node's default action.
      installShutdown(gateway);
      installReloadOnHangup(gateway);
      if (json) {
        logListening(gateway);
        return;
      }
      printBanner(gateway);
      reportFirstKey(gateway);
    });
}

function readyProviders(gateway: RunningGateway): string[] {
  return gateway.services.registry
    .routable()
    .filter((provider) => !provider.requiresKey || gateway.services.credentials.keyFor(provider) !== undefined)
    .map((provider) => provider.name);
}

/** The banner's facts as one JSON log line, for log collectors; never a key. */
function logListening(gateway: RunningGateway): void {
  gateway.services.logger.info({ url: gateway.url, dataDir: gateway.dataDir, providers: readyProviders(gateway) }, 'Sluice is listening');
}

function printBanner(gateway: RunningGateway): void {
  const providers = readyProviders(gateway);
  const token = gateway.firstKeyToken ?? '<your sluice key>';
  const model = quickstartModel(gateway);
  const lines = [
    '',
    `  Sluice is listening on ${gateway.url}`,
    `  Data directory: ${gateway.dataDir}`,
    `  Providers ready: ${providers.join(', ') || 'none (callers may bring their own keys)'}`,
  ];
  if (gateway.firstKeyToken) {
    lines.push('', '  First run: issued an admin key. Store it now, it is not shown again:', `    ${gateway.firstKeyToken}`);
  }
  lines.push(
    '',
    '  Try it:',
    `    curl ${gateway.url}/v1/chat/completions \\`,
    `      -H "Authorization: Bearer ${token}" \\`,
    `      -H "Content-Type: application/json" \\`,
    `      -d '{"model":"${model}","messages":[{"role":"user","content":"Hello!"}]}'`,
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A default alias this gateway can answer (`haiku` on the mock too), else the first model it lists. */
function quickstartModel(gateway: RunningGateway): string {
  const { services } = gateway;
  for (const alias of ['haiku', 'gpt-mini', 'gemini-flash', 'mistral-small', 'grok']) {
    const target = services.aliases.get(alias);
    const provider = target === undefined ? undefined : services.registry.get(target.slice(0, target.indexOf(':')));
    if (provider && (!provider.requiresKey || services.credentials.keyFor(provider) !== undefined)) return alias;
  }
  return services.registry.routable().find((provider) => provider.models.length > 0)?.models[0] ?? 'haiku';
}

/**
 * The first admin key's id, on stderr. The token is shown once, on stdout, for the person at the terminal;
 * the id is no secret, so it goes where a service's logs are kept, and names the key later (`sluice keys
 * revoke ID`) when nobody remembers which key the first one was.
 */
function reportFirstKey(gateway: RunningGateway): void {
  if (gateway.firstKeyId === undefined) return;
  process.stderr.write(`First run: issued the admin key 'first-key' (id ${gateway.firstKeyId}); its token is shown once, on stdout.\n`);
}

/** SIGHUP re-reads the config file: applied whole, or refused with the reason logged and the running config kept. */
function installReloadOnHangup(gateway: RunningGateway): void {
  process.on('SIGHUP', () => {
    const { logger } = gateway.services;
    logger.info('SIGHUP: reloading the config');
    gateway.reload().catch((error: unknown) => logger.error({ reason: error instanceof Error ? error.message : String(error) }, 'config reload refused; the running config stays'));
  });
}

function installShutdown(gateway: RunningGateway): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    gateway.services.logger.info({ signal }, 'shutting down: finishing requests and flushing usage rows');
    // Streams in flight get up to 10 s (connection-drain.ts), then their connections are cut.
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        gateway.services.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
