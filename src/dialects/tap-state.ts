import type { SseEvent } from '../upstream/sse-decoder.js';
import type { TokenUsage } from '../domain/token-usage.js';
import type { StreamTap } from './dialect.js';

/** What every stream tap keeps while a stream flows by; each tap's own `observe` fills it in. */
export interface TapState {
  usage: TokenUsage | undefined;
  reportedModel: string | undefined;
  /** The answer's id and its (last) finish reason as the provider wrote them: trace attributes only. */
  responseId: string | undefined;
  finishReason: string | undefined;
  /** Characters of generated text, for estimating output when no count arrives. */
  characters: number;
  /** The terminal event arrived. */
  done: boolean;
  errorMessage: string | undefined;
  /** Events whose data was not the JSON the shape promises. */
  unreadableEvents: number;
  /** An error event or an unreadable event arrived before any content: the attempt failed, another may serve. */
  failedBeforeContent: boolean;
}

export function createTapState(): TapState {
  return {
    usage: undefined,
    reportedModel: undefined,
    responseId: undefined,
    finishReason: undefined,
    characters: 0,
    done: false,
    errorMessage: undefined,
    unreadableEvents: 0,
    failedBeforeContent: false,
  };
}

/** A StreamTap reading its answers from `state`; by default the output count is final once usage arrived. */
export function tapOf(
  state: TapState,
  observe: (event: SseEvent) => void,
  options: { shouldForward?: (event: SseEvent) => boolean; outputReported?: () => boolean } = {},
): StreamTap {
  return {
    observe(event) {
      if (state.characters > 0) {
        observe(event);
        return;
      }
      const unreadableBefore = state.unreadableEvents;
      observe(event);
      if (state.characters === 0 && (state.unreadableEvents > unreadableBefore || state.errorMessage !== undefined)) state.failedBeforeContent = true;
    },
    shouldForward: options.shouldForward ?? (() => true),
    facts: () => ({
      usage: state.usage,
      reportedModel: state.reportedModel,
      responseId: state.responseId,
      finishReasons: state.finishReason === undefined ? undefined : [state.finishReason],
    }),
    outputReported: options.outputReported ?? (() => state.usage !== undefined),
    generatedCharacters: () => state.characters,
    completed: () => state.done,
    upstreamErrorMessage: () => state.errorMessage,
    unreadableEvents: () => state.unreadableEvents,
    contentStarted: () => state.characters > 0,
    failedBeforeContent: () => state.failedBeforeContent,
  };
}
