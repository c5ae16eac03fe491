import { z } from 'zod';
import { maxQueueMs } from '../domain/limits.js';
import { byteSize, dialectNames, namedRecord, refuseProtoName, timeoutsSchema } from './config-primitives.js';
import { providerKinds } from '../domain/provider-kind.js';
import { captureConfigSchema } from './capture-schema.js';
import { groupSchema } from './group-schema.js';

export { dialectNames } from './config-primitives.js';
export { groupModalities, routingPolicies, type GroupConfig, type GroupLimitsConfig, type GroupTargetConfig, type RoutingPolicyName } from './group-schema.js';

/** A key's, user's or team's ceiling on the clocks: the call gets the shorter of the target's and this; 0 is none. */
const timeoutCeilingSchema = z
  .object({
    firstByteMs: z.number().int().nonnegative().optional(),
    idleMs: z.number().int().nonnegative().optional(),
    totalMs: z.number().int().nonnegative().optional(),
  })
  .strict();

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
    /** Models that make embeddings (`/v1/embeddings`), routed to this provider by exact name like `models`. */
    embeddingModels: z.array(z.string().min(1)).optional(),
    /** False for text-only models: a request with an image is refused before any upstream call. */
    images: z.boolean().optional(),
    /**
     * The API shapes Sluice calls the provider in, in order of preference: callers of a listed shape pass
     * through, others are translated into the first. Default: what the type speaks (Gemini: its native API
     * only; add openai-chat to pass OpenAI callers through to its OpenAI-compatible endpoint).
     */
    apis: z.array(z.enum(dialectNames)).min(1).optional(),
    /**
     * The `anthropic-version` sent on every Anthropic-shaped call to this provider, instead of the caller's
     * (pass-through) or the one Sluice's translator follows.
     */
    anthropicVersion: z
      .string()
      .regex(/^[\x21-\x7e]{1,64}$/, 'expected an API version such as 2023-06-01')
      .optional(),
    /** Extra headers sent upstream on every call (not secrets: use apiKey for those). */
    headers: namedRecord(z.string()).optional(),
    enabled: z.boolean().optional(),
    /**
     * True: callers never see this provider's name, models or host (in headers, errors or answers); the
     * group's name, or `private`, stands in. Rows, analytics, metrics and the admin still name it.
     */
    private: z.boolean().optional(),
    /** This provider's clocks, over `upstream.timeouts`. */
    timeouts: timeoutsSchema.optional(),
  })
  .strict();

const limitSettingsSchema = z
  .object({
    requestsPerMinute: z.number().int().nonnegative().optional(),
    tokensPerMinute: z.number().int().nonnegative().optional(),
    concurrentRequests: z.number().int().nonnegative().optional(),
    /** With concurrentRequests: how long a request may wait for a slot (0 = refused at once). */
    queueMs: z.number().int().nonnegative().max(maxQueueMs).optional(),
    budget: z
      .object({
        period: z.enum(['day', 'week', 'month']),
        hardUsd: z.number().nonnegative().optional(),
        softUsd: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
    timeouts: timeoutCeilingSchema.optional(),
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

/**
 * `pricing:` is the per-model price overrides it always was (keyed `provider:model` or `model`), plus one
 * reserved key that is a switch, not a model name: `preferBilled`. Parsed apart, so no model is ever looked
 * up under it and existing configs read as before.
 */
const pricingSchema = z
  .preprocess(
    refuseProtoName,
    z
      .object({
        /**
         * Budgets settle on the cost the upstream itself reported (`billed_cost_usd`) when it reported one, and
         * on Sluice's price (`cost_usd`) otherwise. `cost_usd` stays Sluice's own price either way.
         */
        preferBilled: z.boolean().default(false),
      })
      .catchall(priceSchema),
  )
  .transform(({ preferBilled, ...overrides }) => ({ preferBilled, overrides: overrides as Record<string, PriceOverride> }));

export const cacheRuleModes = ['auto', 'off', 'caller'] as const;

/** One `cache.rules` entry: which calls it is about, and what the cache does for them. */
const cacheRuleSchema = z
  .object({
    /** Every field given must match (none given: every call). */
    match: z
      .object({
        /** The model group the call resolved to. */
        group: z.string().min(1).optional(),
        /** The model name the caller asked for, the upstream model or `provider:model` of the first target. */
        model: z.string().min(1).optional(),
        /** The caller key's team. */
        team: z.string().min(1).optional(),
        /** The caller key's id or name. */
        key: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /**
     * `auto`: cached without a caller header (`x-sluice-cache: refresh` still refreshes); `off`: never
     * cached, even when asked (answered `x-sluice-cache: BYPASS`); `caller`: the caller's header decides.
     */
    mode: z.enum(cacheRuleModes).default('caller'),
    /** The longest an entry stored by a matching call lives, whatever `Cache-Control: max-age` asks. */
    maxAgeSeconds: z.number().int().positive().optional(),
  })
  .strict();

/**
 * OpenTelemetry traces of model calls (GenAI conventions): off until an OTLP endpoint is set, here or in
 * OTEL_EXPORTER_OTLP_ENDPOINT. Off, the request path does nothing at all for them.
 */
const telemetrySchema = z
  .object({
    otlp: z
      .object({
        /** The collector's OTLP/HTTP base URL (`http://collector:4318`); spans go to `<endpoint>/v1/traces`. */
        endpoint: z.string().url().optional(),
        /** Headers sent with every export, e.g. a hosted backend's API key. */
        headers: namedRecord(z.string()).default({}),
        /** How long finished spans wait before they are exported in one batch. */
        exportDelayMs: z.number().int().positive().default(5_000),
      })
      .strict()
      .default({}),
    /** `service.name` of the spans. */
    serviceName: z.string().min(1).default('sluice'),
    /** Export prompts and answers (`gen_ai.input.messages`, `gen_ai.output.messages`); never by default. */
    captureContent: z.boolean().default(false),
    /** Share of traces started here that are kept (a caller's sampled `traceparent` is always followed). */
    sampleRatio: z.number().min(0).max(1).default(1),
  })
  .strict()
  .default({});

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
        /**
         * The older name of `timeouts.firstByteMs`: the time a stream may take to its response headers (a
         * value above 60 s also raises the default `idleMs` to it, as it bounded silences too).
         */
        timeoutMs: z.number().int().positive().default(30_000),
        /** The default clocks of every provider (see `timeoutsSchema`). */
        timeouts: timeoutsSchema.default({}),
        connectTimeoutMs: z.number().int().positive().default(10_000),
        connectionsPerOrigin: z.number().int().positive().default(256),
      })
      .strict()
      .default({}),
    providers: namedRecord(providerSchema).default({}),
    /**
     * Short model names: a name to a model, alias or group. Sluice ships defaults (`haiku`, `sonnet`, `gpt`…,
     * routing/default-aliases.ts); naming one here overrides it, `null` removes it.
     */
    aliases: namedRecord(z.string().min(1).nullable()).default({}),
    /** Model groups: a name callers use as their model, served by several targets under a routing policy. */
    groups: namedRecord(groupSchema).default({}),
    /** Price overrides in USD per million tokens, keyed `provider:model` or `model`, and `preferBilled` (above). */
    pricing: pricingSchema.default({}),
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
        /**
         * Days raw usage rows (and their attempts) are kept; 0 keeps them forever. At least 32, since month
         * budgets and `/v1/usage` sum the current month's rows.
         */
        retainDays: z
          .number()
          .int()
          .nonnegative()
          .refine((days) => days === 0 || days >= 32, 'must be 0 (keep forever) or at least 32: month budgets read the rows of the current month')
          .default(90),
        /** Days the hour and day rollups behind the analytics API are kept; 0 keeps them forever. */
        retainRollupDays: z.number().int().nonnegative().default(400),
      })
      .strict()
      .default({}),
    dashboard: z
      .object({
        /** How long a dashboard login lasts before the key must be entered again. */
        sessionHours: z.number().positive().max(24 * 90).default(12),
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
    /** The response cache, used by requests that send `x-sluice-cache: true` or `refresh`, or that a rule caches. */
    cache: z
      .object({
        /** Whose answers an entry may serve: the same team (else the same key), the same key, or anyone. */
        partition: z.enum(['team', 'key', 'global']).default('team'),
        maxEntries: z.number().int().positive().default(10_000),
        /** The operator's say per group, model, team or key; the first rule that matches a call decides. */
        rules: z.array(cacheRuleSchema).default([]),
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
    log: z
      .object({
        /** `sluice serve` writes one line per model call on stderr (never a prompt, answer or secret). */
        requests: z.boolean().default(true),
      })
      .strict()
      .default({}),
    telemetry: telemetrySchema,
    /**
     * Governed content capture, off until a key, team or group opts in (docs/configuration.md#capture):
     * the defaults they share and the redactions applied before anything is stored.
     */
    capture: captureConfigSchema,
  })
  .strict()
  .superRefine(checkGroupNames);

/**
 * What a group may be called and which providers its targets may name. Whether a target's model resolves
 * (a model name, an alias, a switched-off provider) depends on the provider registry and is checked when
 * the router is built at start.
 */
function checkGroupNames(
  config: { groups: Record<string, unknown>; aliases: Record<string, string | null>; providers: Record<string, unknown> },
  context: z.RefinementCtx,
): void {
  const builtIn = new Set<string>(providerKinds.filter((kind) => kind !== 'openai-compatible'));
  for (const [name, group] of Object.entries(config.groups)) {
    if (name.includes(':')) {
      context.addIssue({ code: z.ZodIssueCode.custom, path: ['groups', name], message: "a group name cannot contain ':' (it separates provider and model)" });
    }
    if (Object.hasOwn(config.aliases, name) && config.aliases[name] !== null) {
      context.addIssue({ code: z.ZodIssueCode.custom, path: ['groups', name], message: `'${name}' is also an alias; a name is either an alias or a group` });
    }
    const targets = (group as { targets: Array<{ model: string }> }).targets;
    targets.forEach((target, index) => {
      const separator = target.model.indexOf(':');
      if (separator <= 0) return;
      const provider = target.model.slice(0, separator);
      if (!builtIn.has(provider) && !Object.hasOwn(config.providers, provider)) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['groups', name, 'targets', index, 'model'],
          message: `unknown provider '${provider}' (configure it under providers, or use a built-in one)`,
        });
      }
    });
  }
}

export type SluiceConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type PriceOverride = z.infer<typeof priceSchema>;
export type CacheRuleConfig = z.infer<typeof cacheRuleSchema>;
export type TelemetrySettings = z.infer<typeof telemetrySchema>;
