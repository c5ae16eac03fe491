import { parseDirective, type MockBehavior } from './mock-behavior.js';

export interface BehaviorSources {
  /** The next behavior enqueued by a test. */
  queued: MockBehavior | undefined;
  /** The `x-mock-behavior` request header (JSON). */
  header: string | undefined;
  /** Text of the last user message, which may hold a `[[mock {...}]]` directive. */
  lastUserText: string;
  /** The scripted agent model's turn for this request (see `MockScript`), when a script matches it. */
  scripted: MockBehavior | undefined;
  /** The server's default behavior. */
  fallback: MockBehavior | undefined;
}

/** First match wins: queued, header, directive, script, default; an empty behavior is a normal answer. */
export function chooseBehavior(sources: BehaviorSources): MockBehavior {
  return sources.queued ?? headerBehavior(sources.header) ?? parseDirective(sources.lastUserText) ?? sources.scripted ?? sources.fallback ?? {};
}

/** A malformed header is ignored rather than failing the request, like a malformed directive. */
function headerBehavior(header: string | undefined): MockBehavior | undefined {
  if (!header) return undefined;
  try {
    const parsed: unknown = JSON.parse(header);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as MockBehavior) : undefined;
  } catch {
    return undefined;
  }
}
