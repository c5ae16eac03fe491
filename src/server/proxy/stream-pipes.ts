import type { Dialect, StreamTap } from '../../dialects/dialect.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { IrRequest, IrStreamEvent } from '../../ir/ir-types.js';
import { createTapState, tapOf } from '../../dialects/tap-state.js';
import { createSseDecoder, encodeSseEvent, type SseEvent } from '../../upstream/sse-decoder.js';
import { concealError, concealErrorParts, concealText, namesHidden, type Concealment } from './conceal-private-target.js';

/**
 * What happens to an upstream event stream on its way to the caller: forwarded as is (pass-through) or
 * translated event by event. Either way a tap keeps the counters the usage row needs.
 */
export interface StreamPipe {
  /** The bytes to send the caller for one upstream chunk (possibly empty). */
  transform(chunk: Buffer): Buffer | string;
  /** Reads a chunk after it was sent, when reading it is not needed to produce the output. */
  afterWrite(chunk: Buffer): void;
  /** Output still held when the upstream stream ends. */
  finish(): string;
  tap: StreamTap;
  /** The caller-shaped error event that ends a stream which failed mid-way. */
  failureEvent(error: GatewayError): string;
}

/** Text produced while decoding a chunk, handed out once per chunk. */
function createOutputBuffer(): { add(text: string): void; take(): string } {
  let buffered = '';
  return {
    add(text) {
      buffered += text;
    },
    take() {
      const output = buffered;
      buffered = '';
      return output;
    },
  };
}

/** How a private target's stream is told: the model name its events carry instead, and the names to hide. */
export interface StreamConcealment {
  concealment: Concealment;
  model: string;
}

/**
 * Same shape in and out: the upstream's bytes, except a usage chunk Sluice itself asked for. A private
 * target's events are rewritten one by one (the model named as the caller asked, errors without hidden
 * names); the tap still reads the upstream's own, for the row.
 */
export function createPassThroughPipe(dialect: Dialect, removeInjectedUsageChunk: boolean, concealing?: StreamConcealment): StreamPipe {
  const tap = dialect.createStreamTap({ removeInjectedUsageChunk });
  const pending = createOutputBuffer();
  const rewrites = removeInjectedUsageChunk || concealing !== undefined;
  const decoder = createSseDecoder((event) => {
    tap.observe(event);
    if (!rewrites || !tap.shouldForward(event)) return;
    pending.add(encodeSseEvent(concealing === undefined ? event : concealedEvent(dialect, event, concealing)));
  });
  return {
    transform(chunk) {
      if (!rewrites) return chunk;
      decoder.push(chunk);
      return pending.take();
    },
    afterWrite(chunk) {
      if (!rewrites) decoder.push(chunk);
    },
    finish() {
      decoder.end();
      return pending.take();
    },
    tap,
    failureEvent: (error) => dialect.streamErrorEvent(concealError(concealing?.concealment ?? null, error)),
  };
}

function concealedEvent(dialect: Dialect, event: SseEvent, { concealment, model }: StreamConcealment): SseEvent {
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    // `[DONE]`, or data that is not JSON (the tap counts it): nothing a model name could be read from.
    return namesHidden(concealment, event.data) ? { ...event, data: concealText(concealment, event.data) } : event;
  }
  dialect.renameModel(data, model);
  concealErrorParts(concealment, data);
  return { ...event, data: JSON.stringify(data) };
}

/** Different shapes: upstream events → core events → the caller's events, one event at a time. */
export function createTranslatingPipe(options: {
  upstreamDialect: Dialect;
  callerDialect: Dialect;
  /** The model name the caller's events carry (a private target's: the name the caller asked for). */
  model: string;
  callerRequest: IrRequest;
  /** Set for a private target: its error events and failures are told without hidden names. */
  concealment?: Concealment | null | undefined;
}): StreamPipe {
  const concealment = options.concealment ?? null;
  const translate = options.upstreamDialect.createStreamDecoder();
  const encode = options.callerDialect.createStreamEncoder({
    model: options.model,
    includeUsage: options.callerRequest.streamUsage,
    request: options.callerRequest,
  });
  const tap = createCoreEventTap();
  const pending = createOutputBuffer();
  // An error event ends the caller's stream: whatever the upstream sends after it is not translated.
  let ended = false;
  const decoder = createSseDecoder((event) => {
    for (const coreEvent of translate(event)) {
      if (ended) return;
      tap.observeCore(coreEvent);
      pending.add(encode(concealment !== null && coreEvent.type === 'error' ? { ...coreEvent, message: concealText(concealment, coreEvent.message) } : coreEvent));
      if (coreEvent.type === 'error') ended = true;
    }
  });
  return {
    transform(chunk) {
      decoder.push(chunk);
      return pending.take();
    },
    afterWrite: () => undefined,
    finish() {
      decoder.end();
      return pending.take();
    },
    tap,
    failureEvent: (error) => options.callerDialect.streamErrorEvent(concealError(concealment, error)),
  };
}

/** A StreamTap over core events, for translated streams. */
function createCoreEventTap(): StreamTap & { observeCore(event: IrStreamEvent): void } {
  const state = createTapState();
  let outputFinal = false;
  const observeCore = (event: IrStreamEvent) => {
    switch (event.type) {
      case 'start':
        state.reportedModel = event.model || undefined;
        state.responseId = event.id || undefined;
        state.usage = event.usage ?? state.usage;
        break;
      case 'text-delta':
      case 'reasoning-delta':
        state.characters += event.text.length;
        break;
      case 'tool-call-delta':
        state.characters += event.argumentsDelta.length;
        break;
      case 'finish':
        state.done = true;
        // The core model's reason: the upstream's own wording does not survive translation.
        state.finishReason = event.stopReason;
        if (event.usage) {
          state.usage = event.usage;
          outputFinal = true;
        }
        break;
      case 'error':
        if (event.code === 'upstream_invalid_response') state.unreadableEvents++;
        else state.errorMessage = event.message;
        if (state.characters === 0) state.failedBeforeContent = true;
        break;
    }
  };
  // Translated streams are observed as core events, not as SSE events.
  return { ...tapOf(state, () => undefined, { outputReported: () => outputFinal }), observeCore };
}
