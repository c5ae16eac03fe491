import type { IrPart } from '../../ir/ir-types.js';
import type { ReasoningState } from '../../ir/reasoning-state.js';

type Json = Record<string, unknown>;

export interface GeminiPartOptions {
  /** The thoughtSignature to write for a state, or undefined to leave it out. */
  signatureOf: (state: ReasoningState | undefined) => string | undefined;
  /** Thought text without a usable signature: shown to a caller, pointless to send to Gemini. */
  keepUnsignedThoughts: boolean;
  /** Function names by call id, since Gemini's functionResponse names the function. */
  callNames: Map<string, string>;
}

/**
 * Core parts as Gemini parts. A reasoning part with no text is a bare thought signature: it rides on the
 * part that follows it (usually a function call), as Gemini sent it.
 */
export function toGeminiParts(parts: IrPart[], options: GeminiPartOptions): Json[] {
  const encoded: Json[] = [];
  let pendingSignature: string | undefined;
  const withSignature = (part: Json): Json => {
    if (!pendingSignature) return part;
    const signed = { ...part, thoughtSignature: pendingSignature };
    pendingSignature = undefined;
    return signed;
  };
  for (const part of parts) {
    switch (part.type) {
      case 'reasoning': {
        const signature = options.signatureOf(part.state);
        if (!part.text) pendingSignature = signature ?? pendingSignature;
        else if (signature || options.keepUnsignedThoughts) encoded.push({ text: part.text, thought: true, ...(signature ? { thoughtSignature: signature } : {}) });
        break;
      }
      case 'text':
        if (part.text) encoded.push(withSignature({ text: part.text }));
        break;
      case 'image':
        encoded.push(
          part.source.kind === 'base64'
            ? { inlineData: { mimeType: part.source.mediaType, data: part.source.data } }
            : { fileData: { mimeType: 'image/*', fileUri: part.source.url } },
        );
        break;
      case 'tool-call':
        options.callNames.set(part.id, part.name);
        encoded.push(withSignature({ functionCall: { id: part.id, name: part.name, args: parseObject(part.arguments) ?? {} } }));
        break;
      case 'tool-result': {
        const text = part.content.filter((item) => item.type === 'text').map((item) => item.text).join('\n');
        // Gemini wants an object; plain text results are wrapped.
        const response = parseObject(text) ?? { [part.isError ? 'error' : 'result']: text };
        encoded.push({ functionResponse: { id: part.toolCallId, name: options.callNames.get(part.toolCallId) ?? part.toolCallId, response } });
        break;
      }
      default: {
        const exhaustive: never = part;
        return exhaustive;
      }
    }
  }
  if (pendingSignature) encoded.push({ text: '', thought: true, thoughtSignature: pendingSignature });
  return encoded;
}

function parseObject(text: string): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : undefined;
  } catch {
    return undefined;
  }
}
