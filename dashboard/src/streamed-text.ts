import type { DialectName } from './contract.js';
import type { StreamEvent } from './stream-events.js';

type Json = Record<string, unknown>;

const record = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The text delta one event of each API shape carries. A `Record` over every dialect, so a dialect added on
 * the server fails the dashboard's type-check here until the drawer knows how its streams read.
 */
const textOfEvent: Record<DialectName, (data: Json) => string> = {
  'openai-chat': (data) => (Array.isArray(data.choices) ? data.choices.map((choice) => text(record(record(choice)?.delta)?.content)).join('') : ''),
  'openai-responses': (data) => (data.type === 'response.output_text.delta' ? text(data.delta) : ''),
  'anthropic-messages': (data) => {
    const delta = record(data.delta);
    return data.type === 'content_block_delta' && delta?.type === 'text_delta' ? text(delta.text) : '';
  },
  gemini: (data) => {
    const candidate = record(Array.isArray(data.candidates) ? data.candidates[0] : undefined);
    const parts = record(candidate?.content)?.parts;
    return Array.isArray(parts) ? parts.map((part) => (record(part)?.thought === true ? '' : text(record(part)?.text))).join('') : '';
  },
};
const eventTexts = new Map<string, (data: Json) => string>(Object.entries(textOfEvent));

/**
 * The answer's text put back together from a captured stream's events, as the caller's SDK would show it;
 * null when the shape is unknown or the events carry no text (a stream of tool calls only). Events that do
 * not parse (the one cut at `maxBytes`) are passed over.
 */
export function streamedText(dialect: string, events: readonly StreamEvent[]): string | null {
  const textOf = eventTexts.get(dialect);
  if (textOf === undefined) return null;
  let assembled = '';
  for (const event of events) {
    const data = record(parseJson(event.data));
    if (data !== undefined) assembled += textOf(data);
  }
  return assembled === '' ? null : assembled;
}

/** The parsed JSON, or undefined when `value` is not JSON. */
export function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
