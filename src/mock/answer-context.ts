import type { MockBehavior } from './mock-behavior.js';
import type { MockScript } from './mock-script.js';

/** What the fake upstream lends each answer: the behaviors to act out, and a way to say a drop is on purpose. */
export interface AnswerContext {
  /** Takes the next enqueued behavior, if any. */
  takeQueuedBehavior(): MockBehavior | undefined;
  defaultBehavior: MockBehavior | undefined;
  /** The scripted agent model, when the server was given one. */
  script: MockScript | undefined;
  /** Called just before the server cuts a connection on purpose, so it is not taken for a client abort. */
  onDrop(): void;
}
