import type { GenAiMessage, GenAiPart } from './gen-ai-messages.js';

/**
 * The size limit of one content attribute, in UTF-16 code units of its JSON text. Collectors and backends
 * cap attribute values (often at a few tens of kilobytes) and a whole conversation can be megabytes: past
 * this the messages are cut, still as valid JSON, and the cut says so.
 */
export const maxContentAttributeLength = 16 * 1024;

const cutMarker = '…[truncated by sluice]';

/**
 * `messages` as JSON of at most `limit` characters: messages and parts are kept in order while they fit;
 * the first text that does not fit is cut (ending in a marker) and everything after it is left out.
 */
export function boundedMessagesJson(messages: GenAiMessage[], limit = maxContentAttributeLength): string {
  const whole = JSON.stringify(messages);
  if (whole.length <= limit) return whole;
  const kept: GenAiMessage[] = [];
  // Room left, counting the outer brackets and one comma per element (a slight overestimate).
  let room = limit - 2;
  for (const message of messages) {
    const shell: GenAiMessage = { ...message, parts: [] };
    room -= JSON.stringify(shell).length + 1;
    if (room <= 0) break;
    kept.push(shell);
    const fitted = fitParts(message.parts, room);
    shell.parts = fitted.parts;
    room = fitted.room;
    if (fitted.cut) break;
  }
  return JSON.stringify(kept);
}

/** `parts` (system instructions) as JSON of at most `limit` characters, cut the same way. */
export function boundedPartsJson(parts: GenAiPart[], limit = maxContentAttributeLength): string {
  const whole = JSON.stringify(parts);
  return whole.length <= limit ? whole : JSON.stringify(fitParts(parts, limit - 2).parts);
}

/** The parts that fit in `room` characters of JSON, the last one possibly cut; `cut` says nothing more fits. */
function fitParts(parts: GenAiPart[], room: number): { parts: GenAiPart[]; room: number; cut: boolean } {
  const kept: GenAiPart[] = [];
  for (const part of parts) {
    const size = JSON.stringify(part).length + 1;
    if (size <= room) {
      kept.push(part);
      room -= size;
      continue;
    }
    const cut = cutPart(part, room);
    if (cut) kept.push(cut);
    return { parts: kept, room: 0, cut: true };
  }
  return { parts: kept, room, cut: false };
}

/** A text-bearing part shortened to fit `room` characters of JSON, or undefined when nothing useful fits. */
function cutPart(part: GenAiPart, room: number): GenAiPart | undefined {
  if (part.type !== 'text' && part.type !== 'reasoning') return undefined;
  const budget = room - (JSON.stringify({ ...part, content: cutMarker }).length + 1);
  let content = part.content.slice(0, Math.max(0, budget));
  // Escapes (quotes, newlines, control characters) make the JSON longer than the text: shrink until it fits,
  // by half the excess at a time, since an escaped character takes two or more.
  for (let excess = jsonLength(content) - budget; excess > 0 && content.length > 0; excess = jsonLength(content) - budget) {
    content = content.slice(0, Math.max(0, content.length - Math.ceil(excess / 2)));
  }
  return content.length === 0 ? undefined : { ...part, content: content + cutMarker };
}

function jsonLength(text: string): number {
  return JSON.stringify(text).length - 2;
}
