import type { IrPart, IrRequest } from '../ir/ir-types.js';
import { estimateTokensFromCharacters } from '../domain/token-usage.js';

/** A typical image costs about this many tokens (Anthropic: width × height / 750, ~1.15 megapixels). */
const tokensPerImage = 1600;

/**
 * A local estimate of a prompt's tokens (≈ 4 characters a token, a flat cost per image), for
 * count_tokens on providers that cannot count and for budgeting before a call. Always an estimate.
 */
export function estimateInputTokens(request: IrRequest): number {
  let characters = 0;
  let images = 0;
  const visit = (part: IrPart) => {
    switch (part.type) {
      case 'text':
        characters += part.text.length;
        break;
      case 'image':
        images++;
        break;
      case 'tool-call':
        characters += part.name.length + part.arguments.length;
        break;
      case 'tool-result':
        part.content.forEach(visit);
        break;
      case 'reasoning':
        characters += part.text.length;
        break;
    }
  };
  request.system.forEach(visit);
  for (const message of request.messages) message.parts.forEach(visit);
  for (const tool of request.tools) characters += tool.name.length + (tool.description?.length ?? 0) + JSON.stringify(tool.parameters).length;
  return estimateTokensFromCharacters(characters) + images * tokensPerImage;
}
