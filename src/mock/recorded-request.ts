import type { IncomingMessage } from 'node:http';
import type { MockUsage } from './mock-answer.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it is not JSON (undefined when there was no body). */
  body: unknown;
  receivedAt: number;
  /** The client closed the connection before the response finished (a `dropAfterEvents` drop is not the client's doing). */
  clientAborted: boolean;
  /**
   * Exactly what this answer reports (input = whole prompt, cache reads and writes included); unset when it
   * reports nothing. A stream cut short may not have reached the event that carries it: see `completed`.
   */
  sentUsage?: MockUsage;
  /** The full assistant text it produced (the arguments JSON for a tool call). */
  sentText?: string;
  /** The vectors an embeddings answer held, in input order. */
  sentVectors?: number[][];
  /** The whole response was written. */
  completed: boolean;
}

/** Reads the whole request body and records the request as the fake upstream received it. */
export async function readRecordedRequest(request: IncomingMessage): Promise<RecordedRequest> {
  const url = new URL(request.url ?? '/', 'http://fake-upstream');
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return {
    method: request.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
    ),
    body: parseBody(text),
    receivedAt: Date.now(),
    clientAborted: false,
    completed: false,
  };
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
