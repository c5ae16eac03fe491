import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { SluiceConfig } from '../../src/config/config-schema.js';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { issueGatewayKey, type IssueKeyOptions } from '../../src/keys/issue-gateway-key.js';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import type { ApiVersionRegistry } from '../../src/server/api-version/api-versions.js';
import type { GatewayLogger } from '../../src/server/logger.js';
import type { RetryPause } from '../../src/server/proxy/retry-pause.js';
import { startGateway, type RunningGateway } from '../../src/server/start-gateway.js';
import type { RequestLogStream } from '../../src/telemetry/request-log.js';
import type { UsageRow } from '../../src/domain/usage-row.js';

/** Provider keys the fake upstream should receive; tests assert the gateway key never travels instead. */
export const upstreamKeys = {
  anthropic: 'sk-ant-upstream-secret-0001',
  openai: 'sk-openai-upstream-secret-0002',
  gemini: 'gemini-upstream-secret-0003',
  mistral: 'mistral-upstream-secret-0004',
  grok: 'xai-upstream-secret-0005',
  vllm: 'vllm-upstream-secret-0006',
} as const;

export interface TestGateway {
  gateway: RunningGateway;
  /** The config the gateway started with (as parsed). */
  config: SluiceConfig;
  upstream: FakeUpstream;
  url: string;
  /** An ordinary key's token. */
  token: string;
  dataDir: string;
  issueKey(options: IssueKeyOptions): Promise<string>;
  /**
   * Rewrites the config file a reload reads: the test defaults with `config` merged over them (top-level
   * keys), as `startTestGateway` builds them. Only with `{ reloadable: true }`.
   */
  writeConfig(config: Record<string, unknown>): Promise<void>;
  /** Writes the config file as it is, e.g. a YAML error. */
  writeConfigText(text: string): Promise<void>;
  /** Flushes the usage queue and returns rows, oldest first. */
  usageRows(): Promise<UsageRow[]>;
  close(): Promise<void>;
}

/**
 * Starts the real server on an ephemeral port with every provider pointed at a private fake upstream,
 * a fresh data directory and one ordinary key. `config` is merged over the defaults (top-level keys);
 * `clock` drives the in-process rate-limit windows and cache expiry (see `ManualClock`).
 */
export async function startTestGateway(
  config: Record<string, unknown> = {},
  options: {
    clock?: () => number;
    /** The wait before a retry (see `ManualRetryPause`); a real timer by default. */
    retryPause?: RetryPause;
    /** Writes the config to a file in the data directory and lets the gateway reload it (see `writeConfig`). */
    reloadable?: boolean;
    apiVersions?: ApiVersionRegistry;
    /** Where the per-call log lines go (`sluice serve` passes stderr); none by default. */
    requestLogStream?: RequestLogStream;
    /** Where the gateway logs (by default nowhere: the config's `logLevel` is `silent`). */
    logger?: GatewayLogger;
    /** The draw capture sampling compares with (`Math.random` by default). */
    random?: () => number;
  } = {},
): Promise<TestGateway> {
  const upstream = await startFakeUpstream({ host: '127.0.0.1', port: 0 });
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-test-'));
  const documentWith = (overrides: Record<string, unknown>): Record<string, unknown> => ({
    server: { host: '127.0.0.1', port: 0 },
    dataDir,
    mock: 'off',
    logLevel: 'silent',
    providers: {
      anthropic: { baseUrl: `${upstream.url}/v1`, apiKey: upstreamKeys.anthropic },
      openai: { baseUrl: `${upstream.url}/v1`, apiKey: upstreamKeys.openai },
      gemini: { baseUrl: `${upstream.url}/v1beta`, apiKey: upstreamKeys.gemini },
      mistral: { baseUrl: `${upstream.url}/v1`, apiKey: upstreamKeys.mistral },
      grok: { baseUrl: `${upstream.url}/v1`, apiKey: upstreamKeys.grok },
      vllm: { type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, apiKey: upstreamKeys.vllm, models: ['llama-3.1-8b'] },
    },
    aliases: { haiku: 'anthropic:claude-haiku-4-5', mini: 'openai:gpt-4o-mini' },
    ...overrides,
  });
  const parsed = parseConfig(documentWith(config), {});
  const configPath = join(dataDir, 'sluice.yaml');
  const writeConfigText = (text: string) => writeFile(configPath, text);
  const writeConfig = (overrides: Record<string, unknown>) => writeConfigText(toYaml(documentWith(overrides)));
  if (options.reloadable) await writeConfig(config);
  const gateway = await startGateway({
    config: parsed,
    env: {},
    clock: options.clock,
    retryPause: options.retryPause,
    apiVersions: options.apiVersions,
    requestLogStream: options.requestLogStream,
    logger: options.logger,
    random: options.random,
    readConfig: options.reloadable ? () => loadConfig({ path: configPath, env: {} }) : undefined,
  });
  const issueKey = async (options: IssueKeyOptions): Promise<string> => {
    const { token } = await issueGatewayKey(gateway.services.store, options);
    return token;
  };
  const token = await issueKey({ name: 'test-key', userName: 'ada', teamName: 'research' });
  return {
    gateway,
    config: parsed,
    upstream,
    url: gateway.url,
    token,
    dataDir,
    issueKey,
    writeConfig,
    writeConfigText,
    async usageRows() {
      await gateway.services.usageWriter.flush();
      const rows = await gateway.services.store.recentUsage({ limit: 10_000 });
      return rows.reverse();
    },
    async close() {
      await gateway.close();
      await upstream.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until `predicate` holds, polling, and fails at the deadline with the last value seen; for effects that
 * land asynchronously (usage rows after a cancel).
 */
export async function eventually<T>(probe: () => Promise<T> | T, predicate: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (!predicate(value)) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
      return value;
    },
    { timeout: timeoutMs, interval: 25 },
  );
}
