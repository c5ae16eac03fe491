import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { captureJson } from '../../capture/capture-json.js';
import { captureSettingsSchema } from '../../config/capture-schema.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { issueGatewayKey } from '../../keys/issue-gateway-key.js';
import { keyRoles } from '../../domain/key-role.js';
import { authenticateOperator } from '../../policy/authenticate-operator.js';
import type { ProviderEntry } from '../../domain/provider-entry.js';
import { maxQueueMs, type LimitSettings } from '../../domain/limits.js';
import { type KeyRecord } from '../../domain/key-record.js';
import type { ReloadOutcome } from '../reload/config-reloader.js';
import type { GatewayServices } from '../gateway-services.js';
import type { ServicesHolder } from '../reload/services-holder.js';
import { refuseUnknownQueryParameters } from '../http/refuse-unknown-query-parameters.js';
import { parseAdminBody } from './parse-admin-body.js';
import { answerJson } from '../http/answer-json.js';
import { runLabelPattern, runLabelRule } from '../../domain/run-label.js';

// Every admin body is strict: an unknown field is a 400 naming it (see parse-admin-body.ts). docs/admin-api.md's
// "Admin API" section documents these bodies; keep the two in step.
const limits = z
  .object({
    requestsPerMinute: z.number().int().nonnegative().optional(),
    tokensPerMinute: z.number().int().nonnegative().optional(),
    concurrentRequests: z.number().int().nonnegative().optional(),
    queueMs: z.number().int().nonnegative().max(maxQueueMs).optional(),
    budget: z.object({ period: z.enum(['day', 'week', 'month']), hardUsd: z.number().nonnegative().optional(), softUsd: z.number().nonnegative().optional() }).strict().optional(),
    /** A ceiling on the upstream clocks of the subject's calls; 0 is none. */
    timeouts: z
      .object({ firstByteMs: z.number().int().nonnegative().optional(), idleMs: z.number().int().nonnegative().optional(), totalMs: z.number().int().nonnegative().optional() })
      .strict()
      .optional(),
  })
  .strict();

/**
 * A key's shares of model groups' budgets, `{ "big-coder": 50 }`: USD per the group budget's period. Kept in
 * the key's limits JSON; the admin API shows it beside `limits` (see `publicKey`). A group name is the
 * caller's text here: `__proto__` is refused rather than silently dropped by the JSON parser's object.
 */
const groupBudgets = z.preprocess(
  (input, context) => {
    // Checked before zod reads the record: its parse drops a `__proto__` entry without a word.
    if (input !== null && typeof input === 'object' && Object.hasOwn(input, '__proto__')) {
      context.addIssue({ code: z.ZodIssueCode.custom, path: ['__proto__'], message: "'__proto__' cannot be a group name" });
    }
    return input;
  },
  z.record(z.string().min(1).regex(/^[^:]+$/, 'a group name has no ":"'), z.number().nonnegative()),
);

const runLabel = z.string().regex(runLabelPattern, `must be ${runLabelRule}`);

/**
 * A key's or team's content capture (issue 22 §2): `{ sample, retainDays?, maxBytes? }`, or a number as the
 * sample alone; null: none (the team's or the group's apply).
 */
const capture = z.union([z.number().min(0).max(1).transform((sample) => ({ sample })), captureSettingsSchema]);

const newKey = z.object({
  name: z.string().min(1),
  userName: z.string().min(1).nullish(),
  teamName: z.string().min(1).nullish(),
  allowedModels: z.array(z.string().min(1)).nullish(),
  role: z.enum(keyRoles).optional(),
  /** Before roles: `true` is `role: 'admin'`. */
  isAdmin: z.boolean().optional(),
  limits: limits.optional(),
  groupBudgets: groupBudgets.optional(),
  defaultModel: z.string().min(1).nullish(),
  /** The evaluation run every call with this key belongs to (issue 22 §1). */
  run: runLabel.nullish(),
  capture: capture.nullish(),
}).strict();

const keyChanges = z.object({
  userName: z.string().min(1).nullable().optional(),
  teamName: z.string().min(1).nullable().optional(),
  allowedModels: z.array(z.string().min(1)).nullable().optional(),
  role: z.enum(keyRoles).optional(),
  limits: limits.optional(),
  /** Replaces the key's group budgets (null or {} clears them); absent keeps them, even when `limits` is sent. */
  groupBudgets: groupBudgets.nullable().optional(),
  defaultModel: z.string().min(1).nullable().optional(),
  /** null: the key no longer carries a run. */
  run: runLabel.nullable().optional(),
  /** null: the key captures as its team or group does. */
  capture: capture.nullable().optional(),
}).strict();

/** Revoking and reloading take no body; an empty object is accepted, a field is not. */
const noFields = z.object({}).strict();

const userBody = z.object({ limits: limits.default({}) }).strict();
const teamBody = z
  .object({ limits: limits.default({}), allowedModels: z.array(z.string().min(1)).nullish(), defaultModel: z.string().min(1).nullish(), capture: capture.nullish() })
  .strict();
const principalBodies = { user: userBody, team: teamBody } as const;

const providerKeyBody = z.object({ key: z.string().trim().min(1).max(4096) }).strict();

/**
 * Where a provider's key comes from, never the key: `config` (`providers.<name>.apiKey`) and `env` win over
 * a `stored` (encrypted) one; `none` means callers must bring their own; self-hosted servers that answer
 * without a key are `notNeeded`.
 */
function providerKeySource(provider: ProviderEntry, stored: ReadonlyMap<string, number>) {
  const source: ProviderKeySource = provider.configuredKeySource ?? (stored.has(provider.name) ? 'stored' : provider.requiresKey ? 'none' : 'notNeeded');
  return {
    provider: provider.name,
    kind: provider.kind,
    source,
    envKeyName: provider.envKeyName ?? null,
    stored: stored.has(provider.name),
    storedAt: stored.get(provider.name) ?? null,
  };
}

/** Where a provider's key comes from, as `/admin/provider-keys` names it. */
type ProviderKeySource = NonNullable<ProviderEntry['configuredKeySource']> | 'stored' | 'none' | 'notNeeded';

/** A provider's entry in `/admin/provider-keys`; the dashboard reads it through this type (dashboard/src/contract.ts). */
export type ProviderKeyJson = ReturnType<typeof providerKeySource>;

/** A key as the admin API shows it; the dashboard reads it through this type (dashboard/src/contract.ts). */
export type PublicKey = Omit<KeyRecord, 'hash'> & { groupBudgets: Record<string, number> };

/** A key as the admin API shows it: everything but the hash, with its group budgets beside its limits. */
function publicKey(key: KeyRecord): PublicKey {
  const { hash: _hash, limits: stored, ...visible } = key;
  const { groupBudgets: budgets, ...limits } = stored;
  return { ...visible, limits, groupBudgets: budgets ?? {} };
}

/** The limits to store: `limits` (or the stored ones) with the group budgets given (or the stored ones). */
function limitsWithGroupBudgets(
  limits: LimitSettings | undefined,
  budgets: Record<string, number> | null | undefined,
  existing: LimitSettings = {},
): LimitSettings {
  const { groupBudgets: storedBudgets, ...rest } = limits ?? existing;
  const chosen = budgets === undefined ? (existing.groupBudgets ?? storedBudgets) : budgets;
  // 0 is no budget, as for every other limit: not kept.
  const kept = Object.entries(chosen ?? {}).filter(([, usd]) => usd > 0);
  return kept.length === 0 ? rest : { ...rest, groupBudgets: Object.fromEntries(kept) };
}

/**
 * `/admin/*`: the CLI's key, user and team management over HTTP, for admin keys only; an ordinary key
 * gets a 403. Changes reach every instance through the store within `keys.refreshIntervalMs`.
 */
export function registerAdminRoutes(app: FastifyInstance, holder: ServicesHolder, options: { reload: () => Promise<ReloadOutcome> }): void {
  // Keys, users and teams live in the store and the views, which a config reload carries over unchanged.
  const services = holder.current;
  // Errors are answered by the Sluice-owned routes' error handler (sluice-owned-routes.ts).
  const route = (handler: (request: FastifyRequest) => Promise<{ status?: number; body: unknown }>) => async (request: FastifyRequest, reply: FastifyReply) => {
    await authenticateOperator(request, services, 'admin');
    // No admin route takes query parameters (docs/admin-api.md, "Admin API"): one sent is a mistake, not a filter.
    refuseUnknownQueryParameters(request.query, []);
    const result = await handler(request);
    answerJson(reply, result.body, { status: result.status ?? 200 });
  };
  const refreshViews = async () => {
    await Promise.all([services.keyView.reload(), services.principals.reload()]);
  };

  app.get('/admin/keys', route(async () => ({ body: { data: (await services.store.listKeys()).map(publicKey) } })));

  app.post(
    '/admin/keys',
    route(async (request) => {
      const input = parseAdminBody(newKey, request.body);
      if (input.role !== undefined && input.isAdmin !== undefined && (input.role === 'admin') !== input.isAdmin) {
        throw new GatewayError('invalid_request', '`isAdmin` contradicts `role`; send `role` alone.', { param: 'isAdmin' });
      }
      try {
        const { token, key } = await issueGatewayKey(services.store, {
          name: input.name,
          userName: input.userName ?? undefined,
          teamName: input.teamName ?? undefined,
          allowedModels: input.allowedModels ?? undefined,
          role: input.role ?? (input.isAdmin ? 'admin' : 'user'),
          limits: input.groupBudgets === undefined ? input.limits : limitsWithGroupBudgets(input.limits, input.groupBudgets),
          defaultModel: input.defaultModel ?? null,
          run: input.run ?? null,
          capture: input.capture ?? null,
        });
        await refreshViews();
        // The one time the token is shown.
        return { status: 201, body: { token, key: publicKey(key) } };
      } catch (error) {
        if (/UNIQUE|duplicate key/.test(String(error))) throw new GatewayError('invalid_request', `A key named '${input.name}' already exists.`, { param: 'name', status: 409 });
        throw error;
      }
    }),
  );

  app.patch<{ Params: { idOrName: string } }>(
    '/admin/keys/:idOrName',
    route(async (request) => {
      const { groupBudgets: budgets, ...changes } = parseAdminBody(keyChanges, request.body);
      const { idOrName } = request.params as { idOrName: string };
      if (changes.limits !== undefined || budgets !== undefined) {
        // The budgets live in the limits JSON: a PATCH of either keeps the other as stored.
        const existing = (await services.store.listKeys()).find((key) => key.id === idOrName || key.name === idOrName);
        if (!existing) throw new GatewayError('route_not_found', `No key '${idOrName}'.`);
        changes.limits = limitsWithGroupBudgets(changes.limits, budgets, existing.limits);
      }
      const updated = await services.store.updateKey(idOrName, changes);
      if (!updated) throw new GatewayError('route_not_found', `No key '${idOrName}'.`);
      await refreshViews();
      return { body: publicKey(updated) };
    }),
  );

  app.post<{ Params: { idOrName: string } }>(
    '/admin/keys/:idOrName/revoke',
    route(async (request) => {
      parseAdminBody(noFields, request.body ?? {});
      const { idOrName } = request.params as { idOrName: string };
      const revoked = await services.store.revokeKey(idOrName);
      if (!revoked) throw new GatewayError('route_not_found', `No key '${idOrName}'.`);
      await refreshViews();
      return { body: publicKey(revoked) };
    }),
  );

  // A captured call's request and answer, opened with the master key (issue 22 §2): admin keys only, as
  // every route here. 404 when the call was not captured, or its capture was deleted.
  app.get<{ Params: { requestId: string } }>(
    '/admin/captures/:requestId',
    route(async (request) => {
      const { requestId } = request.params as { requestId: string };
      const exchange = await services.captures.find(requestId);
      if (exchange === undefined) throw new GatewayError('capture_not_found', `No capture of request '${requestId}'.`, { param: 'requestId' });
      return { body: captureJson(exchange) };
    }),
  );

  // Re-reads the config file and applies it, as SIGHUP does; 400 with the reason when it is refused.
  app.post(
    '/admin/reload',
    route(async (request) => {
      parseAdminBody(noFields, request.body ?? {});
      const outcome = await options.reload();
      return { body: { reloaded: true, changed: outcome.changed } };
    }),
  );

  app.get(
    '/admin/provider-keys',
    route(async () => {
      const stored = new Map((await services.store.listProviderKeys()).map((key) => [key.provider, key.updatedAt]));
      const providers = holder.current.registry.routable().filter((provider) => provider.name !== 'mock');
      return { body: { data: providers.map((provider) => providerKeySource(provider, stored)) } };
    }),
  );

  app.put<{ Params: { provider: string } }>(
    '/admin/provider-keys/:provider',
    route(async (request) => {
      const { key } = parseAdminBody(providerKeyBody, request.body);
      const provider = providerNamed(holder.current, (request.params as { provider: string }).provider);
      await services.credentials.storeKey(provider.name, key);
      const stored = new Map((await services.store.listProviderKeys()).map((entry) => [entry.provider, entry.updatedAt]));
      return { body: providerKeySource(provider, stored) };
    }),
  );

  app.delete<{ Params: { provider: string } }>(
    '/admin/provider-keys/:provider',
    route(async (request) => {
      const provider = providerNamed(holder.current, (request.params as { provider: string }).provider);
      if (!(await services.credentials.removeKey(provider.name))) throw new GatewayError('route_not_found', `No stored key for '${provider.name}'.`);
      return { body: providerKeySource(provider, new Map()) };
    }),
  );

  for (const kind of ['user', 'team'] as const) {
    app.get(`/admin/${kind}s`, route(async () => ({ body: { data: await services.store.listPrincipals(kind) } })));
    app.put<{ Params: { name: string } }>(
      `/admin/${kind}s/:name`,
      route(async (request) => {
        const input = parseAdminBody(principalBodies[kind], request.body);
        const saved = await services.store.setPrincipal(kind, {
          name: (request.params as { name: string }).name,
          limits: input.limits,
          allowedModels: 'allowedModels' in input ? (input.allowedModels ?? null) : null,
          defaultModel: 'defaultModel' in input ? (input.defaultModel ?? null) : null,
          capture: 'capture' in input ? (input.capture ?? null) : null,
        });
        await refreshViews();
        return { body: saved };
      }),
    );
  }
}

/** A provider that can hold a key (the mock's is built in), or a 404 naming it. */
function providerNamed(services: GatewayServices, name: string): ProviderEntry {
  const provider = services.registry.get(name);
  if (!provider || provider.name === 'mock') throw new GatewayError('route_not_found', `No provider '${name}'.`, { param: 'provider' });
  return provider;
}
