import type { CapturedExchange } from '../domain/captured-exchange.js';
import type { DialectName } from '../domain/dialect-name.js';

/** One re-sent request, ready for the HTTP client. */
export interface ReplayRequest {
  method: string;
  /** Path and query, from the capture, with the model replaced where the path names it (Gemini). */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ReplayRequestOptions {
  /** The candidate: a group, alias or model, sent where the capture named its model. */
  against: string;
  /** The replay key's token, sent in the header the capture's API shape uses. */
  credential: string;
  run: string;
  trial: string;
}

/**
 * Headers never copied from a capture: credentials (the capture should have none; a replay sends its own key),
 * what the HTTP client sets itself for the new body and connection, the run labels the replay sets, and the
 * cache switches — a replay measures the candidate, never a cached answer.
 */
const droppedHeaders = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-goog-api-key',
  'x-sluice-token',
  'cookie',
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'expect',
  'accept-encoding',
  'x-sluice-run',
  'x-sluice-trial',
  'x-sluice-cache',
  'cache-control',
]);

/** The header each API shape's clients send their key in. */
const credentialHeader: Record<DialectName, (token: string) => [string, string]> = {
  'openai-chat': (token) => ['authorization', `Bearer ${token}`],
  'openai-responses': (token) => ['authorization', `Bearer ${token}`],
  'anthropic-messages': (token) => ['x-api-key', token],
  gemini: (token) => ['x-goog-api-key', token],
};

/**
 * The capture as the replay sends it: same method, path and parameters, the model replaced by the candidate
 * (in the body, or in Gemini's path), the captured headers without credentials, the replay key, and the
 * replay's run with the original request id as the trial.
 */
export function replayRequestOf(capture: CapturedExchange, options: ReplayRequestOptions): ReplayRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(capture.requestHeaders)) {
    const lower = name.toLowerCase();
    if (droppedHeaders.has(lower)) continue;
    if (lower === 'x-sluice-tags') {
      // A `run:` or `trial:` tag would contradict the replay's own labels (a 400): the other tags stay.
      const tags = value.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '' && !tag.startsWith('run:') && !tag.startsWith('trial:'));
      if (tags.length > 0) headers[lower] = tags.join(',');
      continue;
    }
    headers[lower] = value;
  }
  const [credentialName, credentialValue] = credentialHeader[capture.inboundDialect](options.credential);
  headers[credentialName] = credentialValue;
  headers['x-sluice-run'] = options.run;
  headers['x-sluice-trial'] = options.trial;
  headers['content-type'] ??= 'application/json';
  if (capture.inboundDialect === 'gemini') {
    return { method: capture.method, path: geminiPathFor(withoutKeyParameter(capture.path), options.against), headers, body: capture.requestBody };
  }
  return { method: capture.method, path: withoutKeyParameter(capture.path), headers, body: bodyNaming(capture.requestBody, options.against) };
}

/** The body with `model` set to the candidate (also when the caller sent none and a default model served it). */
function bodyNaming(body: string, model: string): string {
  const parsed: unknown = JSON.parse(body);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the captured request body is not a JSON object');
  return JSON.stringify({ ...(parsed as Record<string, unknown>), model });
}

/** `…/models/<model>:<method>?…` with the candidate as the model. */
function geminiPathFor(path: string, model: string): string {
  const queryStart = path.indexOf('?');
  const route = queryStart === -1 ? path : path.slice(0, queryStart);
  const query = queryStart === -1 ? '' : path.slice(queryStart);
  const match = /^(.*\/models\/)(.+)(:[A-Za-z]+)$/.exec(route);
  if (!match) throw new Error(`the captured Gemini path '${route}' names no model`);
  const named = encodeURIComponent(model).replace(/%3A/gi, ':').replace(/%2F/gi, '/');
  return `${match[1]}${named}${match[3]}${query}`;
}

/** Gemini's `?key=` is a credential: never re-sent, whatever the capture kept. */
function withoutKeyParameter(path: string): string {
  const queryStart = path.indexOf('?');
  if (queryStart === -1) return path;
  const parameters = new URLSearchParams(path.slice(queryStart + 1));
  parameters.delete('key');
  const query = parameters.toString();
  return query === '' ? path.slice(0, queryStart) : `${path.slice(0, queryStart)}?${query}`;
}
