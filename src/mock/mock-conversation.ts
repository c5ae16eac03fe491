/** Text the fake upstream reads from a request, in either API shape. */

function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => {
      if (part === null || typeof part !== 'object') return '';
      const block = part as { type?: unknown; text?: unknown; content?: unknown };
      if (typeof block.text === 'string') return block.text;
      if (block.type === 'tool_result') return textOfContent(block.content);
      return '';
    })
    .join('');
}

interface MessageLike {
  role?: unknown;
  content?: unknown;
}

/** All prompt text (system and every message), for a deterministic input-token count. */
export function promptText(body: { system?: unknown; messages?: unknown }): string {
  const messages = Array.isArray(body.messages) ? (body.messages as MessageLike[]) : [];
  return textOfContent(body.system) + messages.map((message) => textOfContent(message.content)).join('');
}

export function lastUserText(body: { messages?: unknown }): string {
  const messages = Array.isArray(body.messages) ? (body.messages as MessageLike[]) : [];
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index]?.role === 'user') return textOfContent(messages[index]?.content);
  }
  return '';
}

/** The text of every user message, in order (tool results included: they arrive as user messages in some shapes). */
export function userText(body: { messages?: unknown }): string {
  const messages = Array.isArray(body.messages) ? (body.messages as MessageLike[]) : [];
  return messages
    .filter((message) => message.role === 'user')
    .map((message) => textOfContent(message.content))
    .join('\n');
}

/** ≈ 4 characters per token, at least one. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Word pieces that keep their leading space ("Hello", " from", " the"), one streamed delta each. */
export function splitIntoPieces(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [text];
}

/** A JSON text cut in a few pieces, as providers stream tool arguments. */
export function splitJson(text: string, pieces = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / pieces));
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += size) parts.push(text.slice(start, start + size));
  return parts.length > 0 ? parts : [''];
}

/**
 * An id of a fixed length, as the providers' are: a float's base-36 digits can run short, and an answer whose
 * size moves by a byte from call to call would move a benchmark's sized answer with it.
 */
export function randomId(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2, 14).padEnd(12, '0')}${Date.now().toString(36)}`;
}
