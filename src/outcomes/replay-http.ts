import { Agent, request } from 'undici';
import type { ReplayRequest } from './replay-request.js';

/** The gateway's answer to one replayed request, read to its end. */
export interface ReplayResponse {
  status: number;
  body: string;
  /** `x-sluice-request-id`: the replayed call's own usage row. */
  requestId: string | undefined;
}

/** How a replay talks to the gateway: its model routes, and `/v1/models` to learn the key is accepted. */
export interface ReplayHttp {
  send(replayRequest: ReplayRequest, signal?: AbortSignal): Promise<ReplayResponse>;
  /** `GET /v1/models` with the key: the status, and the names listed when it answered 200. */
  listModels(credential: string): Promise<{ status: number; models: string[] }>;
  close(): Promise<void>;
}

/** Over undici, with at most `connections` sockets to the gateway (the replay's concurrency). */
export function replayHttp(baseUrl: string, connections: number): ReplayHttp {
  const origin = baseUrl.replace(/\/+$/, '');
  const dispatcher = new Agent({ connections, keepAliveTimeout: 10_000 });
  return {
    async send(replayRequest, signal) {
      const response = await request(`${origin}${replayRequest.path}`, {
        method: replayRequest.method as 'POST',
        headers: replayRequest.headers,
        body: replayRequest.body,
        dispatcher,
        signal,
      });
      // A stream is read whole: the verifier scores the answer the caller would have ended with.
      const body = await response.body.text();
      const requestId = response.headers['x-sluice-request-id'];
      return { status: response.statusCode, body, requestId: typeof requestId === 'string' ? requestId : undefined };
    },
    async listModels(credential) {
      const response = await request(`${origin}/v1/models`, { method: 'GET', headers: { authorization: `Bearer ${credential}` }, dispatcher });
      const text = await response.body.text();
      if (response.statusCode !== 200) return { status: response.statusCode, models: [] };
      const parsed = JSON.parse(text) as { data?: Array<{ id?: unknown }> };
      return { status: 200, models: (parsed.data ?? []).flatMap((model) => (typeof model.id === 'string' ? [model.id] : [])) };
    },
    close: () => dispatcher.close(),
  };
}
