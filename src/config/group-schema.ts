import { z } from 'zod';
import { maxQueueMs } from '../domain/limits.js';
import { captureSettingsSchema } from './capture-schema.js';
import { dialectNames, timeoutsSchema } from './config-primitives.js';

/** `groups.<name>`: a model group's targets, routing policy, retries, cooldowns and contract (limits, budget, who may call it). */

export const routingPolicies = ['static', 'weighted', 'failover', 'least-latency', 'cost', 'script', 'external'] as const;
export type RoutingPolicyName = (typeof routingPolicies)[number];

/** One target of a model group: a model and what it can do (unset capabilities come from the provider). */
const groupTargetSchema = z
  .object({
    /** `provider:model`, a model name or an alias, resolved like a caller's model name (not another group). */
    model: z.string().min(1),
    /** Share of traffic under `policy: weighted`. */
    weight: z.number().positive().finite().default(1),
    /** False: requests that declare tools skip this target. */
    tools: z.boolean().optional(),
    /** False: requests with an image skip this target (default: the provider's `images`). */
    images: z.boolean().optional(),
    /** Requests asking for more output tokens than this skip this target. */
    maxOutputTokens: z.number().int().positive().optional(),
    /** Requests whose estimated prompt is larger than this skip this target. */
    contextWindow: z.number().int().positive().optional(),
    /** False: requests asking for reasoning prefer other targets (and drop it when none can). */
    reasoning: z.boolean().optional(),
    /**
     * True: the target makes embeddings, false: it does not (default: inferred from the provider's
     * embedding models, else the price catalogue; self-hosted servers: any model they do not list as chat).
     */
    embeddings: z.boolean().optional(),
    /** The API shapes this target may be called in (default: every shape its provider speaks). */
    apis: z.array(z.enum(dialectNames)).min(1).optional(),
    /** True: callers see the group's name instead of this target's provider and model (default: the provider's `private`). */
    private: z.boolean().optional(),
    /** This target's clocks, over its provider's. */
    timeouts: timeoutsSchema.optional(),
  })
  .strict();

/** What a group's callers may send: `modalities:` in a group's contract. */
export const groupModalities = ['text', 'image'] as const;

/**
 * A group's own quota, shared by every caller of the group: counted in the same atomic admission as the
 * key's, user's and team's (policy/group-limits.ts); 0 or absent is no limit, as everywhere.
 */
const groupLimitsSchema = z
  .object({
    requestsPerMinute: z.number().int().nonnegative().optional(),
    tokensPerMinute: z.number().int().nonnegative().optional(),
    concurrentRequests: z.number().int().nonnegative().optional(),
    /** With concurrentRequests: how long a request may wait for a slot (0 = refused at once). */
    queueMs: z.number().int().nonnegative().max(maxQueueMs).optional(),
  })
  .strict();

const groupBudgetSchema = z
  .object({
    period: z.enum(['day', 'week', 'month']),
    hardUsd: z.number().nonnegative().optional(),
    softUsd: z.number().nonnegative().optional(),
  })
  .strict();

export const groupSchema = z
  .object({
    /** The group's contract, which callers discover in `/v1/models`: what it is for. */
    description: z.string().min(1).optional(),
    /** The workloads it serves (`coding-agent`, `refactor`): labels, listed in `/v1/models`. */
    workloads: z.array(z.string().min(1)).optional(),
    /** The caller shapes allowed to use the group; another shape is refused with a 400 before any upstream call. Default: every shape. */
    clients: z.array(z.enum(dialectNames)).min(1).optional(),
    /** What the group accepts, listed in `/v1/models`. */
    modalities: z.array(z.enum(groupModalities)).min(1).optional(),
    /** How the deployment judges the group (`≥ 90% of the weekly eval suite passes`); for people, not enforced. */
    successCriteria: z.string().min(1).optional(),
    /** The group's own rate limits and concurrency cap, over all its callers. */
    limits: groupLimitsSchema.optional(),
    /** The group's own budget, over all its callers; a key's share of it is the key's `groupBudgets`. */
    budget: groupBudgetSchema.optional(),
    policy: z.enum(routingPolicies).default('failover'),
    targets: z.array(groupTargetSchema).min(1),
    retry: z
      .object({
        /** Tries of one target, the first included, before failing over to the next. */
        attempts: z.number().int().min(1).max(10).default(2),
        /** A `retry-after` longer than this is not waited for: the call fails over at once. */
        maxRetryAfterMs: z.number().int().nonnegative().default(5_000),
        /**
         * Retry a target whose clock ran out (or that missed `timeToFirstTokenMs`). Off: a slow target is
         * likely slow again, and a whole answer being waited for may be one being paid for; fail over instead.
         */
        timeouts: z.boolean().default(false),
      })
      .strict()
      .default({}),
    /** A stream with no content by then fails over (before anything reached the caller). */
    timeToFirstTokenMs: z.number().int().positive().optional(),
    /** Content capture for the group's calls, for keys and teams that set none of their own (issue 22 §2). */
    capture: captureSettingsSchema.optional(),
    /** `policy: script`: a JavaScript module exporting `choose(request, candidates, stats)`. */
    script: z.string().min(1).optional(),
    /** `policy: external`: the policy service that receives the routing facts and answers an order. */
    url: z.string().url().optional(),
    /** How long a script or policy service may take before the configured order is used instead. */
    policyTimeoutMs: z.number().int().positive().default(50),
    cooldown: z
      .object({
        /** This many failures within `windowMs` cool a target down for `durationMs`. */
        failures: z.number().int().positive().default(3),
        windowMs: z.number().int().positive().default(60_000),
        durationMs: z.number().int().positive().default(30_000),
        /** The longest a `retry-after` may cool a target down for. */
        maxDurationMs: z.number().int().positive().default(300_000),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((group, context) => {
    const needs = (field: 'script' | 'url', policy: RoutingPolicyName) => {
      if (group.policy === policy && group[field] === undefined) {
        context.addIssue({ code: z.ZodIssueCode.custom, path: [field], message: `required for policy '${policy}'` });
      }
      if (group.policy !== policy && group[field] !== undefined) {
        context.addIssue({ code: z.ZodIssueCode.custom, path: [field], message: `only used by policy '${policy}'` });
      }
    };
    needs('script', 'script');
    needs('url', 'external');
  });

export type GroupConfig = z.infer<typeof groupSchema>;
export type GroupTargetConfig = z.infer<typeof groupTargetSchema>;
export type GroupLimitsConfig = z.infer<typeof groupLimitsSchema>;
