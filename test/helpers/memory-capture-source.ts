import type { CapturedExchange, CaptureFilter } from '../../src/domain/captured-exchange.js';
import type { DialectName } from '../../src/domain/dialect-name.js';
import type { CapturePage, CaptureSource } from '../../src/outcomes/capture-source.js';

/**
 * Captures held in memory, listed as the store's `listCaptures` lists them (the contract in src/store/store.ts):
 * filtered, oldest first by created_at then request id, after the cursor, at most `limit`: exact records for
 * the replay tests (another key's capture, cut bodies) without driving each through a gateway; `pages` counts
 * the reads.
 */
export function memoryCaptureSource(captures: readonly CapturedExchange[]): CaptureSource & { pages: number } {
  const source = {
    pages: 0,
    async listCaptures(filter: CaptureFilter, page: CapturePage): Promise<CapturedExchange[]> {
      source.pages++;
      return captures
        .filter((capture) => matches(capture, filter))
        .sort((a, b) => a.createdAt - b.createdAt || a.requestId.localeCompare(b.requestId))
        .filter((capture) => !page.after || capture.createdAt > page.after.createdAt || (capture.createdAt === page.after.createdAt && capture.requestId > page.after.requestId))
        .slice(0, page.limit);
    },
  };
  return source;
}

function matches(capture: CapturedExchange, filter: CaptureFilter): boolean {
  return (
    (filter.from === undefined || capture.createdAt >= filter.from) &&
    (filter.before === undefined || capture.createdAt < filter.before) &&
    (filter.keyId === undefined || capture.keyId === filter.keyId) &&
    (filter.teamName === undefined || capture.teamName === filter.teamName) &&
    (filter.requestedModel === undefined || capture.requestedModel === filter.requestedModel) &&
    (filter.tag === undefined || capture.tags.includes(filter.tag)) &&
    (filter.runId === undefined || capture.runId === filter.runId)
  );
}

/** A capture with the fields a test does not care about filled in. */
export function testCapture(requestId: string, fields: Partial<CapturedExchange> = {}): CapturedExchange {
  return {
    requestId,
    createdAt: 1_800_000_000_000,
    keyId: 'key_1',
    teamName: 'research',
    userName: 'ada',
    requestedModel: 'mini',
    runId: null,
    trialId: null,
    tags: [],
    inboundDialect: 'openai-chat',
    method: 'POST',
    path: '/v1/chat/completions',
    requestHeaders: { 'content-type': 'application/json' },
    requestBody: JSON.stringify({ model: 'mini', messages: [{ role: 'user', content: 'hello' }] }),
    status: 200,
    stream: false,
    answer: JSON.stringify({ id: 'c1', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }),
    requestTruncated: false,
    answerTruncated: false,
    redactions: {},
    ...fields,
  };
}

export interface CapturedCall {
  dialect: DialectName;
  path: string;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
  stream: boolean;
  requestedModel: string;
  tags?: string[];
}

/**
 * Sends one call through the gateway as a client would and returns it as the capture writer would have kept
 * it: the request as sent (credentials left out), the answer's bytes as received, linked by the request id.
 */
export async function sendAndCapture(gatewayUrl: string, token: string, key: { id: string; teamName: string | null; userName: string | null }, call: CapturedCall): Promise<CapturedExchange> {
  const credential: Record<string, string> =
    call.dialect === 'anthropic-messages' ? { 'x-api-key': token } : call.dialect === 'gemini' ? { 'x-goog-api-key': token } : { authorization: `Bearer ${token}` };
  const headers = { 'content-type': 'application/json', ...(call.tags ? { 'x-sluice-tags': call.tags.join(',') } : {}), ...call.headers };
  const requestBody = JSON.stringify(call.body);
  const createdAt = Date.now();
  const response = await fetch(`${gatewayUrl}${call.path}`, { method: 'POST', headers: { ...headers, ...credential }, body: requestBody });
  const answer = await response.text();
  if (response.status !== 200) throw new Error(`the original call failed: ${response.status} ${answer}`);
  return {
    requestId: response.headers.get('x-sluice-request-id')!,
    createdAt,
    keyId: key.id,
    teamName: key.teamName,
    userName: key.userName,
    requestedModel: call.requestedModel,
    runId: null,
    trialId: null,
    tags: call.tags ?? [],
    inboundDialect: call.dialect,
    method: 'POST',
    path: call.path,
    requestHeaders: headers,
    requestBody,
    status: response.status,
    stream: call.stream,
    answer,
    requestTruncated: false,
    answerTruncated: false,
    redactions: {},
  };
}
