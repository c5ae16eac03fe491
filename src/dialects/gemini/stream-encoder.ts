import type { IrStreamEvent } from '../../ir/ir-types.js';
import { stateForCaller } from '../../ir/reasoning-state.js';
import { encodeSseEvent } from '../../upstream/sse-decoder.js';
import type { StreamEncoder } from '../dialect.js';
import { geminiUsageMetadata } from './convert-usage.js';
import { toGeminiFinishReason } from './map-finish-reason.js';

type Json = Record<string, unknown>;

/**
 * Core stream events as Gemini SSE chunks. Text goes out as it comes; a function call is sent whole once
 * its arguments are complete (Gemini streams calls whole), at the next non-argument event.
 */
export function createGeminiStreamEncoder(options: { model: string }): StreamEncoder {
  let responseId = '';
  let pendingCall: { id: string; name: string; arguments: string; signature?: string } | undefined;
  /** A thought signature waiting for the part it belongs to (the next call or text). */
  let pendingSignature: string | undefined;
  const takeSignature = (): Json => {
    const signature = pendingSignature;
    pendingSignature = undefined;
    return signature ? { thoughtSignature: signature } : {};
  };
  const chunk = (parts: Json[], finishReason?: string, usageMetadata?: Json) => {
    const candidate: Json = { content: { role: 'model', parts }, index: 0 };
    if (finishReason) candidate.finishReason = finishReason;
    const body: Json = { candidates: [candidate], modelVersion: options.model, responseId };
    if (usageMetadata) body.usageMetadata = usageMetadata;
    return encodeSseEvent({ data: JSON.stringify(body) });
  };
  const flushCall = (): string => {
    if (!pendingCall) return '';
    const call = pendingCall;
    pendingCall = undefined;
    let args: unknown = {};
    try {
      args = JSON.parse(call.arguments || '{}');
    } catch {
      args = {};
    }
    return chunk([{ functionCall: { id: call.id, name: call.name, args }, ...(call.signature ? { thoughtSignature: call.signature } : {}) }]);
  };

  return (event: IrStreamEvent): string => {
    switch (event.type) {
      case 'start':
        responseId = event.id;
        return '';
      case 'text-delta': {
        const flushed = flushCall();
        return flushed + chunk([{ text: event.text, ...takeSignature() }]);
      }
      case 'reasoning-delta':
        return flushCall() + chunk([{ text: event.text, thought: true }]);
      case 'reasoning-state': {
        const flushed = flushCall();
        pendingSignature = stateForCaller(event.state, 'gemini');
        return flushed;
      }
      case 'tool-call-start': {
        const flushed = flushCall();
        const signature = takeSignature().thoughtSignature as string | undefined;
        pendingCall = { id: event.id, name: event.name, arguments: '', ...(signature ? { signature } : {}) };
        return flushed;
      }
      case 'tool-call-delta':
        if (pendingCall) pendingCall.arguments += event.argumentsDelta;
        return '';
      case 'finish': {
        const flushed = flushCall();
        const leftover = pendingSignature ? [{ text: '', thought: true, ...takeSignature() }] : [];
        return flushed + chunk(leftover, toGeminiFinishReason(event.stopReason), event.usage ? geminiUsageMetadata(event.usage) : undefined);
      }
      case 'error':
        return encodeSseEvent({ data: JSON.stringify({ error: { code: event.status, message: event.message, status: 'UNAVAILABLE' } }) });
      default: {
        const exhaustive: never = event;
        return exhaustive;
      }
    }
  };
}
