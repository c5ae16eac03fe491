import type { IrResponse } from '../../ir/ir-types.js';
import { stateForCaller } from '../../ir/reasoning-state.js';
import type { JsonObject } from '../wire-facts.js';
import { geminiUsageMetadata } from './convert-usage.js';
import { toGeminiParts } from './gemini-parts.js';
import { toGeminiFinishReason } from './map-finish-reason.js';


export function encodeGeminiResponse(response: IrResponse): JsonObject {
  return {
    candidates: [
      {
        content: {
          role: 'model',
          parts: toGeminiParts(response.content, {
            signatureOf: (state) => (state ? stateForCaller(state, 'gemini') : undefined),
            keepUnsignedThoughts: true,
            callNames: new Map(),
          }),
        },
        finishReason: toGeminiFinishReason(response.stopReason),
        index: 0,
      },
    ],
    usageMetadata: geminiUsageMetadata(response.usage),
    modelVersion: response.model,
    responseId: response.id,
  };
}
