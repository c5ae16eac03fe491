import { z } from 'zod';

/** Byte sizes may be written as numbers or as `512kb` / `20mb` strings. */
const byteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'expected a size such as 20mb, 512kb or a number of bytes')
    .transform(parseByteSize),
]);

function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  const value = Number(match?.[1] ?? 0);
  const unit = (match?.[2] ?? 'b').toLowerCase();
  const multiplier = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Math.floor(value * multiplier);
}

export const providerKinds = ['anthropic', 'openai', 'gemini', 'mistral', 'grok', 'openai-compatible', 'mock'] as const;
export type ProviderKind = (typeof providerKinds)[number];

const providerSchema = z
  .object({
    /** Which built-in entry this provider is based on; defaults to the provider's name when that is built in. */
    type: z.enum(providerKinds).optional(),
    baseUrl: z.string().url().optional(),
    apiKey: z.string().min(1).optional(),
    /** Models listed by /v1/models and routed to this provider by exact name. */
    models: z.array(z.string().min(1)).optional(),
    /** Model-name prefixes that route to this provider (e.g. `llama-`). */
    modelPrefixes: z.array(z.string().min(1)).optional(),
    /** False for text-only models: a request with an image is refused before any upstream call. */
    images: z.boolean().optional(),
    /** The API shapes the server speaks, in order of preference (default: what the type speaks). */
    apis: z.array(z.enum(['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'])).min(1).optional(),
    /** Extra headers sent upstream on every call (not secrets: use apiKey for those). */
    headers: z.record(z.string()).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const limitSettingsSchema = z
  .object({
    requestsPerMinute: z.number().int().nonnegative().optional(),
    tokensPerMinute: z.number().int().nonnegative().optional(),
    concurrentRequests: z.number().int().nonnegative().optional(),
    budget: z
      .object({
        period: z.enum(['day', 'week', 'month']),
        hardUsd: z.number().nonnegative().optional(),
        softUsd: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const priceSchema = z
  .object({
    inputPerMillion: z.number().nonnegative(),
    outputPerMillion: z.number().nonnegative(),
    cacheReadPerMillion: z.number().nonnegative().optional(),
    cacheWritePerMillion: z.number().nonnegative().optional(),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8422),
        bodyLimit: byteSize.default('32mb'),
      })
      .strict()
      .default({}),
    dataDir: z.string().min(1).default('~/.sluice'),
    upstream: z
      .object({
        /** Time allowed for the upstream to answer with headers, and the longest silence inside a stream. */
        timeoutMs: z.number().int().positive().default(30_000),
        connectTimeoutMs: z.number().int().positive().default(10_000),
        connectionsPerOrigin: z.number().int().positive().default(256),
      })
      .strict()
      .default({}),
    providers: z.record(providerSchema).default({}),
    aliases: z.record(z.string().min(1)).default({}),
    /** Price overrides in USD per million tokens, keyed `provider:model` or `model`. */
    pricing: z.record(priceSchema).default({}),
    /** The built-in mock provider: `auto` enables it when no real provider has a key. */
    mock: z.enum(['auto', 'on', 'off']).default('auto'),
    usage: z
      .object({
        flushIntervalMs: z.number().int().positive().default(200),
        batchSize: z.number().int().positive().default(500),
        /** Rows held in memory while the store cannot take them; past this the oldest go to the spool file. */
        maxQueuedRows: z.number().int().positive().default(10_000),
        /** Disk the spool (`<dataDir>/usage-spool/`) may use before rows are dropped (and logged). */
        maxSpoolBytes: byteSize.default('1gb'),
      })
      .strict()
      .default({}),
    keys: z
      .object({
        /** How often each instance reloads keys changed elsewhere (revocations, new keys). */
        refreshIntervalMs: z.number().int().positive().default(250),
      })
      .strict()
      .default({}),
    /** Keys, users, teams and usage rows in PostgreSQL instead of the SQLite file (or set DATABASE_URL). */
    database: z
      .object({ url: z.string().min(1).optional() })
      .strict()
      .default({}),
    /** Shared state for several instances: limits, budgets and cache in Redis (or set REDIS_URL). */
    redis: z
      .object({
        url: z.string().min(1).optional(),
        /** Every Redis call is bounded by this. */
        timeoutMs: z.number().int().positive().default(100),
        /** While Redis is unreachable each instance allows this share of a rate limit: limit / instances. */
        instances: z.number().int().positive().default(1),
        /** While Redis is unreachable: refuse budgeted calls (fail-closed) or reserve locally (local). */
        budgetsWhenUnavailable: z.enum(['fail-closed', 'local']).default('local'),
      })
      .strict()
      .default({}),
    cors: z
      .object({
        /** Browser origins allowed to call Sluice, e.g. https://app.example.com; localhost is always allowed. */
        origins: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({}),
    /** The response cache, used by requests that send `x-sluice-cache: true` or `refresh`. */
    cache: z
      .object({
        /** Whose answers an entry may serve: the same team (else the same key), the same key, or anyone. */
        partition: z.enum(['team', 'key', 'global']).default('team'),
        maxEntries: z.number().int().positive().default(10_000),
      })
      .strict()
      .default({}),
    /** Defaults for keys, users and teams that do not set a limit themselves (0 = no limit). */
    limits: z
      .object({
        defaults: z
          .object({
            key: limitSettingsSchema.default({ requestsPerMinute: 100 }),
            user: limitSettingsSchema.default({}),
            team: limitSettingsSchema.default({}),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
  })
  .strict();

export type SluiceConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type PriceOverride = z.infer<typeof priceSchema>;
