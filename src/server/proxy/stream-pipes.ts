import type { Dialect, StreamTap } from '../../dialects/dialect.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { IrRequest, IrStreamEvent } from '../../ir/ir-types.js';
import { createSseDecoder, encodeSseEvent } from '../../upstream/sse-decoder.js';
import type { TokenUsage } from '../../usage/token-usage.js';

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

/** Same shape in and out: the upstream's bytes, except a usage chunk Sluice itself asked for. */
export function createPassThroughPipe(dialect: Dialect, removeInjectedUsageChunk: boolean): StreamPipe {
  const tap = dialect.createStreamTap({ removeInjectedUsageChunk });
  let pending = '';
  const decoder = createSseDecoder((event) => {
    tap.observe(event);
    if (removeInjectedUsageChunk && tap.shouldForward(event)) pending += encodeSseEvent(event);
  });
  const takePending = () => {
    const output = pending;
    pending = '';
    return output;
  };
  return {
    transform(chunk) {
      if (!removeInjectedUsageChunk) return chunk;
      decoder.push(chunk);
      return takePending();
    },
    afterWrite(chunk) {
      if (!removeInjectedUsageChunk) decoder.push(chunk);
    },
    finish() {
      decoder.end();
      return takePending();
    },
    tap,
    failureEvent: (error) => dialect.streamErrorEvent(error),
  };
}

/** Different shapes: upstream events → core events → the caller's events, one event at a time. */
export function createTranslatingPipe(options: {
  upstreamDialect: Dialect;
  callerDialect: Dialect;
  model: string;
  callerRequest: IrRequest;
}): StreamPipe {
  const translate = options.upstreamDialect.createStreamDecoder();
  const encode = options.callerDialect.createStreamEncoder({
    model: options.model,
    includeUsage: options.callerRequest.streamUsage,
    request: options.callerRequest,
  });
  const tap = createCoreEventTap();
  let pending = '';
  const decoder = createSseDecoder((event) => {
    for (const coreEvent of translate(event)) {
      tap.observeCore(coreEvent);
      pending += encode(coreEvent);
    }
  });
  const takePending = () => {
    const output = pending;
    pending = '';
    return output;
  };
  return {
    transform(chunk) {
      decoder.push(chunk);
      return takePending();
    },
    afterWrite: () => undefined,
    finish() {
      decoder.end();
      return takePending();
    },
    tap,
    failureEvent: (error) => options.callerDialect.streamErrorEvent(error),
  };
}

/** A StreamTap over core events, for translated streams. */
function createCoreEventTap(): StreamTap & { observeCore(event: IrStreamEvent): void } {
  let usage: TokenUsage | undefined;
  let reportedModel: string | undefined;
  let outputFinal = false;
  let characters = 0;
  let done = false;
  let errorMessage: string | undefined;
  return {
    observeCore(event) {
      switch (event.type) {
        case 'start':
          reportedModel = event.model || undefined;
          usage = event.usage ?? usage;
          break;
        case 'text-delta':
        case 'reasoning-delta':
          characters += event.text.length;
          break;
        case 'tool-call-delta':
          characters += event.argumentsDelta.length;
          break;
        case 'finish':
          done = true;
          if (event.usage) {
            usage = event.usage;
            outputFinal = true;
          }
          break;
        case 'error':
          errorMessage = event.message;
          break;
      }
    },
    observe: () => undefined,
    shouldForward: () => true,
    facts: () => ({ usage, reportedModel }),
    outputReported: () => outputFinal,
    generatedCharacters: () => characters,
    completed: () => done,
    upstreamErrorMessage: () => errorMessage,
  };
}
