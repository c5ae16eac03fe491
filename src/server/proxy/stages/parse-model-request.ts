import type { JsonObject } from '../../../dialects/wire-facts.js';
import { GatewayError } from '../../../errors/gateway-error.js';
import type { KeyRecord } from '../../../domain/key-record.js';
import type { PrincipalView } from '../../../policy/principal-view.js';
import type { ModelCall } from '../model-call.js';
import { requesterOf } from '../request-attribution.js';

/**
 * Stage 2 — the fields Sluice reads (model, stream, end user), checked in place; everything else passes
 * through untouched. 400 naming the field. (The body's JSON, size and nesting depth were checked by the
 * server before any stage ran.) A body that names no model goes to the key's default model, else its
 * team's; with neither it stays the 400 naming `model`.
 */
export function parseModelRequest(call: ModelCall): void {
  const { operation } = call.route;
  switch (operation) {
    case 'chat':
      parseChatRequest(call);
      return;
    case 'embeddings':
      parseEmbeddingsRequest(call);
      return;
    default: {
      const _exhaustive: never = operation;
      return _exhaustive;
    }
  }
}

function parseChatRequest(call: ModelCall): void {
  // Shapes that name the model in the URL (Gemini) always have one.
  if (call.route.url.model === undefined && namesNoModel(call.body)) applyDefaultModel(call);
  const inbound = call.route.dialect.parseRequest(call.body, call.route.url);
  call.inbound = inbound;
  call.requestedModel = inbound.model;
  call.stream = inbound.stream;
  call.requester = requesterOf(call.request.headers, inbound.bodyRequester);
}

/**
 * An embeddings body is decoded into the core model at once: every later stage reads its inputs. A key's
 * or team's default model is a chat model, so an embeddings body without `model` stays a 400.
 */
function parseEmbeddingsRequest(call: ModelCall): void {
  const codec = call.route.dialect.embeddings;
  // Routes give the embeddings operation only to shapes that have it.
  if (!codec) throw new GatewayError('route_not_found', `The ${call.route.dialect.name} API has no embeddings.`);
  const request = codec.decodeRequest(call.body, call.route.url);
  call.embeddingsRequest = request;
  call.inbound = { model: request.model, stream: false, bodyRequester: request.user };
  call.requestedModel = request.model;
  call.stream = false;
  call.requester = requesterOf(call.request.headers, request.user);
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
 * Goes on as if the caller had named the default: every later stage (resolution, cache key, translation,
 * the pass-through body) reads it from the body. The caller's own text is left as it came but no longer
 * sent as is: it has no model, so a pass-through body is serialized from the completed one.
 */
export function applyDefaultModel(call: ModelCall): void {
  const model = defaultModelOf(call.caller!.key, call.services.principals);
  if (model === null) return;
  call.body = { ...call.body, model };
  call.request.rawBody = undefined;
}
