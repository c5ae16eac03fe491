/**
 * Reasoning state is opaque and only its own provider family can read it: Anthropic thinking signatures,
 * Gemini thought signatures, OpenAI encrypted reasoning. When an answer travels to a caller of another
 * shape, the state is tagged with its family so that it comes back intact on the next turn and reaches
 * only a provider that understands it.
 */
export type ReasoningFamily = 'anthropic' | 'gemini' | 'openai';

export interface ReasoningState {
  family: ReasoningFamily;
  value: string;
}

const tagPattern = /^sluice\.(anthropic|gemini|openai)\.(.*)$/s;

/** The state as the caller's own field holds it: untouched for its own family, tagged otherwise. */
export function stateForCaller(state: ReasoningState, callerFamily: ReasoningFamily): string {
  return state.family === callerFamily ? state.value : `sluice.${state.family}.${state.value}`;
}

/** Reads a state field from a caller: a tagged foreign state, or the caller family's own. */
export function stateFromCaller(raw: string, callerFamily: ReasoningFamily): ReasoningState {
  const tagged = tagPattern.exec(raw);
  return tagged ? { family: tagged[1] as ReasoningFamily, value: tagged[2] ?? '' } : { family: callerFamily, value: raw };
}

/** The value to send to a provider of `family`, or undefined when the state belongs to another. */
export function stateForProvider(state: ReasoningState | undefined, family: ReasoningFamily): string | undefined {
  return state?.family === family ? state.value : undefined;
}
