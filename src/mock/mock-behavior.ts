/** How the fake upstream should answer one request. */
export interface MockBehavior {
  /** Answer with this error status and a provider-shaped error body. */
  status?: number;
  errorMessage?: string;
  /** Seconds, sent as `retry-after` (with status 429 or 503). */
  retryAfter?: number;
  /** Wait before sending response headers. */
  delayMs?: number;
  /** Wait between streamed events. */
  chunkDelayMs?: number;
  /** Accept the request and never answer (until the client goes away). */
  hang?: boolean;
  /** Streaming: destroy the connection after this many events. */
  dropAfterEvents?: number;
  /** Streaming: end the stream with the provider's in-band error event in place of the event at this index. */
  errorEventAt?: number;
  /** Streaming: insert an event whose data is not JSON (`data: {not json`) before the event at this index. */
  invalidEventAt?: number;
  /** Override the assistant text. */
  reply?: string;
  /** Answer with one tool call instead of text; arguments stream in several pieces. */
  toolCall?: { name: string; arguments: Record<string, unknown> };
  /** Send no usage numbers at all. */
  omitUsage?: boolean;
  usage?: {
    cacheReadTokens?: number;
    cacheWriteTokens?: number;
    reasoningTokens?: number;
    /** Image tokens among the input, reported where the shape has a field for them (OpenAI, Responses, Gemini). */
    imageTokens?: number;
    /** Report what the call cost, as OpenRouter does (`usage.cost`, OpenAI chat and Responses shapes only). */
    cost?: number;
  };
  /** Model name reported in the response (default: the requested model). */
  model?: string;
}

const directivePattern = /\[\[mock\s+(\{.*?\})\s*\]\]/s;

/** A `[[mock {...}]]` directive inside a message steers one reply; malformed JSON is ignored. */
export function parseDirective(text: string): MockBehavior | undefined {
  const match = directivePattern.exec(text);
  if (!match?.[1]) return undefined;
  try {
    return JSON.parse(match[1]) as MockBehavior;
  } catch {
    return undefined;
  }
}

export function stripDirectives(text: string): string {
  return text.replace(new RegExp(directivePattern.source, 'gs'), '').trim();
}
