import type { Dialect, InboundRequest } from '../../dialects/dialect.js';
import type { JsonObject } from '../../dialects/wire-facts.js';
import type { IrEmbeddingsRequest } from '../../ir/embeddings-types.js';
import type { IrRequest } from '../../ir/ir-types.js';
import type { Caller } from '../../policy/authenticate.js';
import type { RoutePlan } from '../../routing/router.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ResolvedRoute } from '../../routing/route-target.js';
import type { RouteTarget } from '../../domain/route-target.js';
import type { TimeoutSettings } from '../../domain/timeouts.js';
import { estimateEmbeddingsInputTokens } from '../../usage/estimate-embeddings-input-tokens.js';
import { estimateInputTokens } from '../../usage/estimate-input-tokens.js';
import type { UpstreamPlan } from './upstream-plan.js';

/*
 * What each stage of a model call found out, handed to the next stage as its input (see
 * `model-call-stages.ts`): authenticate → `Caller`, parse → `ParsedRequest`, resolve and authorize →
 * `ResolvedCall`, plan route → `RoutedCall`, plan upstream call → `PlannedCall`, admit → `AdmittedCall`.
 * Each is made once, complete, by the stage that learned it: nothing in them is undefined-until-later.
 */

/** Stage 2's finding: who asked for what, and the body in the core model on demand. */
export class ParsedRequest {
  /**
   * The request in the core model, decoded on first use and shared by every stage that needs it (token
   * estimate, maximum output, image check, cache replay, translation). Throws what the decoder throws (a
   * 400 naming what cannot be carried over), every time it is asked. A field, not a method: routing takes it as a function.
   */
  readonly coreRequest: () => IrRequest;
  /** The prompt's tokens as Sluice estimates them, for limits, budgets and calls the provider never counted. */
  readonly estimateInputTokens: () => number;

  constructor(
    readonly caller: Caller,
    /** The caller's body; a copy with the key's or team's default model when it named none (see parse-model-request.ts). */
    readonly body: JsonObject,
    /** The fields Sluice reads. */
    readonly inbound: InboundRequest,
    /**
     * An embeddings call's request in the core model, decoded when the body is parsed (every later stage
     * needs its inputs); undefined on a chat call, which is how stages tell the two operations apart.
     */
    readonly embeddings: IrEmbeddingsRequest | undefined,
    dialect: Dialect,
  ) {
    let decoded: { request: IrRequest } | { error: unknown } | undefined;
    this.coreRequest = () => {
      if (decoded === undefined) {
        try {
          const core = dialect.decodeRequest(body);
          // Shapes that put them in the URL (Gemini) leave these to the route.
          core.model = inbound.model;
          core.stream = inbound.stream;
          decoded = { request: core };
        } catch (error) {
          decoded = { error };
        }
      }
      if ('error' in decoded) throw decoded.error;
      return decoded.request;
    };
    this.estimateInputTokens =
      embeddings === undefined
        ? () => {
            try {
              return estimateInputTokens(this.coreRequest());
            } catch {
              return 0;
            }
          }
        : () => estimateEmbeddingsInputTokens(embeddings);
  }
}

/** Stages 3 and 4: what the model name stands for, narrowed to the targets this caller may use. */
export interface ResolvedCall {
  readonly parsed: ParsedRequest;
  readonly route: ResolvedRoute;
}

/** Stage 5's: the ordered candidates the attempt loop may try. */
export interface RoutedCall extends ResolvedCall {
  readonly plan: RoutePlan;
}

/** Stage 6's: the upstream request for the first candidate (the attempt loop plans the others as it needs them). */
export interface PlannedCall extends RoutedCall {
  readonly first: UpstreamPlan;
}

/** Stage 7's: admitted, holding its limits (on the call, for settling) and the ceiling they set on the upstream clocks. */
export interface AdmittedCall extends PlannedCall {
  /** The key's, user's and team's ceiling on the upstream clocks; undefined when none sets one. */
  readonly timeoutCeiling: TimeoutSettings | undefined;
}

/**
 * The first of a route's (or plan's) candidates. Resolution and planning never hand over an empty list (they
 * refuse the request instead); this says so once, for the type system, instead of a `!` at every reader.
 */
export function firstCandidate(candidates: readonly RouteTarget[]): RouteTarget {
  const first = candidates[0];
  if (first === undefined) throw new GatewayError('internal_error', 'A route with no candidate reached a stage.');
  return first;
}
