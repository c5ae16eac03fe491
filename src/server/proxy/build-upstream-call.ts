import type { IncomingHttpHeaders } from 'node:http';
import type { JsonObject } from '../../dialects/wire-facts.js';
import type { VersionHeader } from '../../dialects/dialect.js';
import type { DialectName } from '../../domain/dialect-name.js';
import { dialects } from '../../dialects/dialects.js';
import type { ProviderEndpoint, ProviderEntry } from '../../domain/provider-entry.js';
import type { UpstreamRequestParts } from '../../domain/upstream-request-parts.js';


/**
 * The upstream URL, headers and body for a call. The gateway key never travels: only the provider
 * credential, the provider's fixed headers, the API version header and the client headers the provider
 * entry forwards.
 */
export function buildUpstreamCall(options: {
  provider: ProviderEntry;
  dialect: DialectName;
  credential: string | undefined;
  clientHeaders: IncomingHttpHeaders;
  /** The client's query string including `?`, forwarded as is (`?beta=true`). */
  query: string;
  body: JsonObject;
  upstreamModel: string;
  stream: boolean;
  /** The caller's original body text, sent unchanged when no edit was needed. */
  rawBody: string | undefined;
  bodyEdited: boolean;
  /** The body was translated from the caller's shape: the caller's API version does not describe it. */
  translated?: boolean;
  /** Another endpoint than the dialect's chat one (an embeddings call's). */
  endpoint?: ProviderEndpoint | undefined;
}): UpstreamRequestParts {
  const endpoint = options.endpoint ?? options.provider.endpoints[options.dialect];
  if (!endpoint) throw new Error(`provider ${options.provider.name} does not speak ${options.dialect}`);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.provider.fixedHeaders };
  for (const name of options.provider.forwardedHeaders) {
    const value = options.clientHeaders[name];
    if (typeof value === 'string') headers[name] = value;
    else if (Array.isArray(value)) headers[name] = value.join(',');
  }
  const versionHeader = dialects[options.dialect].versionHeader;
  // A version pinned in `headers:` stays as configured.
  if (versionHeader && headers[versionHeader.name] === undefined) {
    headers[versionHeader.name] = apiVersion(versionHeader, options.provider, options.translated === true ? undefined : options.clientHeaders);
  }
  if (options.credential !== undefined) {
    if (endpoint.auth === 'x-api-key') headers['x-api-key'] = options.credential;
    else if (endpoint.auth === 'x-goog-api-key') headers['x-goog-api-key'] = options.credential;
    else if (endpoint.auth === 'bearer') headers.authorization = `Bearer ${options.credential}`;
  }
  const body = !options.bodyEdited && options.rawBody !== undefined ? options.rawBody : JSON.stringify(options.body);
  const template = options.stream && endpoint.streamPath ? endpoint.streamPath : endpoint.path;
  // Only a path that names the model (Gemini's) encodes it: a name it cannot encode must not fail other calls.
  const path = template.includes('{model}') ? template.replace('{model}', modelPathSegment(options.upstreamModel)) : template;
  // A path with its own query (`?alt=sse`) is complete; otherwise the caller's query goes along.
  const query = path.includes('?') ? '' : options.query;
  return { url: options.provider.baseUrl + path + query, headers, body };
}

/**
 * A model name as one URL path segment. A lone surrogate, which `encodeURIComponent` refuses, goes as U+FFFD,
 * as any client would send it (the caller's JSON can carry one; UTF-8 cannot).
 */
function modelPathSegment(model: string): string {
  try {
    return encodeURIComponent(model);
  } catch {
    return encodeURIComponent(Buffer.from(model, 'utf8').toString('utf8'));
  }
}

/**
 * The version a call goes with: the provider's configured one, else on pass-through the caller's own (its
 * body was written for it, and features gated on newer versions must keep working), else the version
 * Sluice's translator was written for.
 */
function apiVersion(versionHeader: VersionHeader, provider: ProviderEntry, passThroughHeaders: IncomingHttpHeaders | undefined): string {
  if (provider.anthropicVersion !== undefined) return provider.anthropicVersion;
  const sent = passThroughHeaders?.[versionHeader.name];
  const callerVersion = Array.isArray(sent) ? sent[0] : sent;
  return callerVersion || versionHeader.translatorVersion;
}
