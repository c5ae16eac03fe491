import type { JsonObject } from '../../../dialects/wire-facts.js';
import { GatewayError } from '../../../errors/gateway-error.js';
import type { Caller } from '../../../policy/authenticate.js';
import type { KeyRecord } from '../../../domain/key-record.js';
import type { PrincipalView } from '../../../policy/principal-view.js';
import { ParsedRequest } from '../call-phases.js';
import type { ModelCall } from '../model-call.js';
import { requesterOf } from '../request-attribution.js';

/**
 * Stage 2 — the fields Sluice reads (model, stream, end user), checked in place; everything else passes
 * through untouched. 400 naming the field. (The body's JSON, size and nesting depth were checked by the
 * server before any stage ran.) A body that names no model goes to the key's default model, else its
 * team's; with neither it stays the 400 naming `model`.
 */
export function parseModelRequest(call: ModelCall, caller: Caller): ParsedRequest {
  const { operation } = call.route;
  switch (operation) {
    case 'chat':
      return parseChatRequest(call, caller);
    case 'embeddings':
      return parseEmbeddingsRequest(call, caller);
    default: {
      const _exhaustive: never = operation;
      return _exhaustive;
    }
  }
}

function parseChatRequest(call: ModelCall, caller: Caller): ParsedRequest {
  // Shapes that name the model in the URL (Gemini) always have one.
  const body = call.route.url.model === undefined ? withDefaultModel(call, caller) : (call.request.body as JsonObject);
  const inbound = call.route.dialect.parseRequest(body, call.route.url);
  call.requestedModel = inbound.model;
  call.stream = inbound.stream;
  call.requester = requesterOf(call.request.headers, inbound.bodyRequester);
  const parsed = new ParsedRequest(caller, body, inbound, undefined, call.route.dialect);
  call.estimateInputTokens = parsed.estimateInputTokens;
  return parsed;
}

/**
 * An embeddings body is decoded into the core model at once: every later stage reads its inputs. A key's
 * or team's default model is a chat model, so an embeddings body without `model` stays a 400.
 */
function parseEmbeddingsRequest(call: ModelCall, caller: Caller): ParsedRequest {
  const codec = call.route.dialect.embeddings;
  // Routes give the embeddings operation only to shapes that have it.
  if (!codec) throw new GatewayError('route_not_found', `The ${call.route.dialect.name} API has no embeddings.`);
  const body = call.request.body as JsonObject;
  const request = codec.decodeRequest(body, call.route.url);
  call.requestedModel = request.model;
  call.stream = false;
  call.requester = requesterOf(call.request.headers, request.user);
  const parsed = new ParsedRequest(caller, body, { model: request.model, stream: false, bodyRequester: request.user }, request, call.route.dialect);
  call.estimateInputTokens = parsed.estimateInputTokens;
  return parsed;
}

/** A JSON object without `model` (or with `model: null`); anything else is left to the dialect's parser. */
export function namesNoModel(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const model = (body as JsonObject).model;
  return model === undefined || model === null;
}

/** The model a request without one goes to: the key's own default, else its team's; null when neither has one. */
export function defaultModelOf(key: KeyRecord, principals: PrincipalView): string | null {
  return key.defaultModel ?? principals.find('team', key.teamName)?.defaultModel ?? null;
}

/**
 * The caller's body, or — when it names no model and the key or its team has a default — a copy naming the
 * default, so every later stage (resolution, cache key, translation, the pass-through body) reads it from
 * the body. The caller's own text is left as it came but no longer sent as is: it has no model, so a
 * pass-through body is serialized from the completed one.
 */
export function withDefaultModel(call: ModelCall, caller: Caller): JsonObject {
  const body = call.request.body as JsonObject;
  if (!namesNoModel(body)) return body;
  const model = defaultModelOf(caller.key, call.services.principals);
  if (model === null) return body;
  call.request.rawBody = undefined;
  return { ...body, model };
}
