import { offeredToolNames, toolResultCount } from './conversation-tools.js';
import type { MockBehavior } from './mock-behavior.js';
import { userText } from './mock-conversation.js';
import type { MockScript } from './mock-script.js';
import { describeStep, scriptedToolCall } from './scripted-tool-call.js';
import type { Wire } from './wire.js';

/**
 * The behavior the script gives this request: the first conversation whose model is the requested one and
 * whose prompt the user's messages contain, at the step the conversation has reached (one step per tool
 * result it holds; past the end, the final reply again). Undefined when no conversation matches, so the
 * fake upstream answers as it otherwise would.
 *
 * `body` is the request as sent; `conversation` the same seen as `{ model, messages }` (`conversationOf`).
 */
export function scriptedBehavior(script: MockScript | undefined, wire: Wire, body: Record<string, unknown>, conversation: Record<string, unknown>): MockBehavior | undefined {
  if (!script) return undefined;
  const model = conversation.model;
  if (typeof model !== 'string') return undefined;
  const said = userText(conversation);
  const match = script.conversations.find((candidate) => candidate.models.includes(model) && said.includes(candidate.prompt));
  if (!match) return undefined;
  const step = match.steps[Math.min(toolResultCount(wire, body), match.steps.length - 1)]!;
  if (step.kind === 'reply') return { reply: step.text };
  const offered = offeredToolNames(wire, body);
  const toolCall = scriptedToolCall(step, offered);
  if (toolCall) return { toolCall };
  // A model without the tool it needs says so, and the task stays undone.
  return { reply: `I cannot ${describeStep(step)}: none of the tools offered (${[...offered].join(', ') || 'none'}) can do it.` };
}
