import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ZodError } from 'zod';
import { configSchema, type SluiceConfig } from './config-schema.js';
import { ConfigError, interpolateEnv } from './interpolate-env.js';

export interface LoadConfigOptions {
  /** Explicit path (`--config`); falls back to `SLUICE_CONFIG`; no file at all means defaults. */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<SluiceConfig> {
  const env = options.env ?? process.env;
  const path = options.path ?? env.SLUICE_CONFIG;
  let document: unknown = {};
  if (path) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    try {
      document = parseYaml(text) ?? {};
    } catch (error) {
      // The first line names the problem and its line and column; the excerpt after it quotes the file,
      // which may hold a key, and this message reaches logs and the reload endpoint's answer.
      const summary = (error as Error).message.split('\n')[0]!.replace(/:$/, '');
      throw new ConfigError(`config file ${path} is not valid YAML: ${summary}`);
    }
  }
  const config = parseConfig(document, env);
  return path ? withScriptsBesideConfig(config, dirname(resolve(path))) : config;
}

/** A group's `script: ./route.js` is relative to the config file that names it, not to the working directory. */
function withScriptsBesideConfig(config: SluiceConfig, directory: string): SluiceConfig {
  const groups = Object.fromEntries(
    Object.entries(config.groups).map(([name, group]) => [
      name,
      group.script === undefined || isAbsolute(group.script) ? group : { ...group, script: resolve(directory, group.script) },
    ]),
  );
  return { ...config, groups };
}

/** Validates a config document, applying environment overrides and defaults. */
export function parseConfig(document: unknown, env: NodeJS.ProcessEnv = process.env): SluiceConfig {
  const interpolated = interpolateEnv(document, env) as Record<string, unknown>;
  const withOverrides = applyEnvironmentOverrides(interpolated, env);
  let config: SluiceConfig;
  try {
    config = configSchema.parse(withOverrides);
  } catch (error) {
    if (error instanceof ZodError) throw new ConfigError(formatZodError(error));
    throw error;
  }
  return { ...config, dataDir: expandHome(config.dataDir) };
}

/** SLUICE_HOST / SLUICE_PORT / SLUICE_DATA_DIR / SLUICE_DATABASE_URL / SLUICE_REDIS_URL win over the file: handy for containers and tests. */
function applyEnvironmentOverrides(document: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const result = { ...document };
  const server = { ...((result.server as Record<string, unknown> | undefined) ?? {}) };
  if (env.SLUICE_HOST) server.host = env.SLUICE_HOST;
  if (env.SLUICE_PORT) {
    const port = Number(env.SLUICE_PORT);
    if (!Number.isInteger(port)) throw new ConfigError(`SLUICE_PORT: expected a port number`);
    server.port = port;
  }
  if (Object.keys(server).length > 0) result.server = server;
  if (env.SLUICE_DATA_DIR) result.dataDir = env.SLUICE_DATA_DIR;
  // SLUICE_DATABASE_URL / SLUICE_REDIS_URL first: in a container, DATABASE_URL may be meant for another program.
  const databaseUrl = env.SLUICE_DATABASE_URL || env.DATABASE_URL;
  if (databaseUrl) result.database = { ...((result.database as Record<string, unknown> | undefined) ?? {}), url: databaseUrl };
  // The standard OpenTelemetry variable turns traces on when the file names no endpoint of its own.
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) result.telemetry = withOtlpEndpoint(result.telemetry, env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const redisUrl = env.SLUICE_REDIS_URL || env.REDIS_URL;
  if (redisUrl) result.redis = { ...((result.redis as Record<string, unknown> | undefined) ?? {}), url: redisUrl };
  return result;
}

function withOtlpEndpoint(telemetry: unknown, endpoint: string): unknown {
  // Anything but a section (or none) is left for the schema to refuse with its own message.
  if (telemetry !== undefined && (telemetry === null || typeof telemetry !== 'object')) return telemetry;
  const section = (telemetry ?? {}) as Record<string, unknown>;
  const otlp = (section.otlp ?? {}) as Record<string, unknown>;
  if (otlp === null || typeof otlp !== 'object' || otlp.endpoint !== undefined) return telemetry;
  return { ...section, otlp: { ...otlp, endpoint } };
}

function formatZodError(error: ZodError): string {
  const lines = error.issues.map((issue) => {
    const field = issue.path.join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const prefix = issue.path.length > 0 ? `${field}.` : '';
      return `${issue.keys.map((key) => prefix + key).join(', ')}: unknown field`;
    }
    return `${field}: ${issue.message}`;
  });
  return `invalid configuration:\n  ${lines.join('\n  ')}`;
}

function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(path);
}
