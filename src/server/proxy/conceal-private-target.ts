import { GatewayError } from '../../errors/gateway-error.js';
import type { ResolvedRoute } from '../../routing/route-target.js';
import type { RouteTarget } from '../../domain/route-target.js';

/**
 * What a call must not tell its caller: the private targets of its route (`providers.<name>.private`, or
 * `private: true` on a group target) and the name callers see instead. Null on every route without a
 * private target, so such calls pay one null check.
 */
export interface Concealment {
  /** The group's name, or `private` for a plain model. */
  readonly label: string;
  /** `provider:model` of each private target, as attempt records name them. */
  readonly privateIds: ReadonlySet<string>;
  /** Provider names, upstream models and hosts never to show, longest first (a longer name is replaced whole). */
  readonly names: readonly string[];
}

/** Per resolved group (they are rebuilt with the router on reload, so the memo follows them). */
const byGroup = new WeakMap<object, Concealment | null>();

/** The concealment of a resolved route; computed once per group, and only for a private plain model otherwise. */
export function concealmentOf(route: ResolvedRoute): Concealment | null {
  const { group } = route;
  if (group === undefined) {
    const target = route.candidates[0];
    return target?.private ? build('private', [target]) : null;
  }
  let concealment = byGroup.get(group);
  if (concealment === undefined) {
    concealment = build(group.name, group.targets);
    byGroup.set(group, concealment);
  }
  return concealment;
}

function build(label: string, targets: readonly RouteTarget[]): Concealment | null {
  const hidden = targets.filter((target) => target.private);
  if (hidden.length === 0) return null;
  const names = new Set<string>();
  for (const { provider, upstreamModel } of hidden) {
    names.add(provider.name);
    names.add(upstreamModel);
    // An internal host in a connection error message would name the deployment as surely as its model.
    try {
      const url = new URL(provider.baseUrl);
      names.add(url.host);
      names.add(url.hostname);
    } catch {
      // A base URL that does not parse cannot appear in a message either.
    }
  }
  // The label itself may contain a hidden name (a group called after its model): it is what callers see anyway.
  names.delete(label);
  const sorted = [...names].filter((name) => name.length > 0).sort((left, right) => right.length - left.length);
  return { label, privateIds: new Set(hidden.map((target) => target.id)), names: sorted };
}

/** `text` with every hidden name replaced by the label. */
export function concealText(concealment: Concealment, text: string): string {
  let concealed = text;
  for (const name of concealment.names) {
    if (concealed.includes(name)) concealed = concealed.replaceAll(name, concealment.label);
  }
  return concealed;
}

/** Whether `text` names anything hidden (a cheap test before rewriting a body). */
export function namesHidden(concealment: Concealment, text: string): boolean {
  for (const name of concealment.names) if (text.includes(name)) return true;
  return false;
}

/** The same error with its message concealed (the error itself when the call hides nothing or the message names nothing). */
export function concealError(concealment: Concealment | null, error: GatewayError): GatewayError {
  if (concealment === null || !namesHidden(concealment, error.message)) return error;
  return new GatewayError(error.code, concealText(concealment, error.message), {
    param: error.param,
    status: error.status,
    headers: error.headers,
    reason: error.reason,
    cause: error,
  });
}

/** Every string in a JSON value concealed, in place where it can be (an upstream error body passed on). */
export function concealJson(concealment: Concealment, value: unknown): unknown {
  if (typeof value === 'string') return concealText(concealment, value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = concealJson(concealment, value[index]);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const field of Object.keys(object)) object[field] = concealJson(concealment, object[field]);
  }
  return value;
}

/**
 * Conceals the error parts of a stream event or answer: any value under an `error` field, and the whole of
 * an event whose `type` is `error`. Generated content is the model's own and is left as it is.
 */
export function concealErrorParts(concealment: Concealment, value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) concealErrorParts(concealment, item);
    return;
  }
  const object = value as Record<string, unknown>;
  if (object.type === 'error') {
    concealJson(concealment, object);
    return;
  }
  for (const field of Object.keys(object)) {
    if (field === 'error') object[field] = concealJson(concealment, object[field]);
    else concealErrorParts(concealment, object[field]);
  }
}

/**
 * The model name a private target's answers carry instead of its own: the name the caller asked for (a group,
 * an alias), unless that name is itself a hidden one (`vllm:llama-…`), then the label.
 */
export function publicModelOf(concealment: Concealment, requestedModel: string | null): string {
  if (requestedModel === null || namesHidden(concealment, requestedModel)) return concealment.label;
  return requestedModel;
}
