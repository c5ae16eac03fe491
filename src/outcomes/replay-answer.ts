import { dialects } from '../dialects/dialects.js';
import type { DialectName } from '../domain/dialect-name.js';
import type { IrPart, IrStreamEvent } from '../ir/ir-types.js';
import { createSseDecoder } from '../upstream/sse-decoder.js';

/** One tool call of an answer: the tool's name and its arguments as the model wrote them (JSON text). */
export interface AnswerToolCall {
  name: string;
  arguments: string;
}

/** An answer as a verifier reads it, whatever its API shape and whether it was streamed. */
export interface ReplayAnswer {
  /** The HTTP status the caller got. */
  status: number;
  stream: boolean;
  /** The generated text, in order (reasoning left out). */
  text: string;
  toolCalls: AnswerToolCall[];
  /** The answer as sent: the JSON body, or a stream's SSE text. */
  raw: string;
  /** Why no answer could be read: an error status, an error inside the stream, a body that is not the shape's. */
  error: string | undefined;
}

/**
 * Reads an answer through the shape's own decoder (the dialect's `decodeResponse`, or its stream decoder over
 * the SSE events), so text and tool calls come out the same for Chat Completions, Responses, Messages and
 * Gemini. Never throws: what cannot be read is an answer with `error` set.
 */
export function readAnswer(dialect: DialectName, answer: { status: number; stream: boolean; body: string }): ReplayAnswer {
  const empty = { status: answer.status, stream: answer.stream, raw: answer.body, text: '', toolCalls: [] };
  if (answer.status < 200 || answer.status > 299) return { ...empty, error: `status ${answer.status}${errorMessageOf(answer.body)}` };
  try {
    if (answer.stream && !looksLikeJson(answer.body)) return { ...empty, ...fromStream(dialect, answer.body) };
    const parsed: unknown = JSON.parse(answer.body);
    // Gemini's streamGenerateContent without `alt=sse` answers a JSON array of whole responses.
    const responses = Array.isArray(parsed) ? parsed : [parsed];
    const parts = responses.flatMap((response) => dialects[dialect].decodeResponse(response).content);
    return { ...empty, ...fromParts(parts), error: undefined };
  } catch (error) {
    return { ...empty, error: `unreadable answer: ${(error as Error).message}` };
  }
}

function looksLikeJson(body: string): boolean {
  const first = body.trimStart()[0];
  return first === '{' || first === '[';
}

function fromParts(parts: readonly IrPart[]): Pick<ReplayAnswer, 'text' | 'toolCalls'> {
  let text = '';
  const toolCalls: AnswerToolCall[] = [];
  for (const part of parts) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'tool-call') toolCalls.push({ name: part.name, arguments: part.arguments });
  }
  return { text, toolCalls };
}

function fromStream(dialect: DialectName, body: string): Pick<ReplayAnswer, 'text' | 'toolCalls' | 'error'> {
  const decode = dialects[dialect].createStreamDecoder();
  const events: IrStreamEvent[] = [];
  const sse = createSseDecoder((event) => events.push(...decode(event)));
  sse.push(new TextEncoder().encode(body));
  sse.end();
  let text = '';
  const calls = new Map<number, AnswerToolCall>();
  let error: string | undefined;
  for (const event of events) {
    switch (event.type) {
      case 'text-delta':
        text += event.text;
        break;
      case 'tool-call-start':
        calls.set(event.index, { name: event.name, arguments: '' });
        break;
      case 'tool-call-delta': {
        const call = calls.get(event.index);
        if (call) call.arguments += event.argumentsDelta;
        break;
      }
      case 'error':
        error ??= `stream error: ${event.message}`;
        break;
      case 'start':
      case 'reasoning-delta':
      case 'reasoning-state':
      case 'finish':
        break;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }
  return { text, toolCalls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call), error };
}

/** `: <message>` from an error body in any shape (`error.message`, Gemini's too), else nothing. */
function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === 'string' ? `: ${parsed.error.message.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}
