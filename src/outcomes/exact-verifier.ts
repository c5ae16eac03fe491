import type { Verifier } from './verifier.js';

/** `exact`: 1 when the answer's text is the original's, character for character (tool calls aside), else 0. */
export const exactVerifier: Verifier = {
  name: 'exact',
  score: (_request, answer, reference) => (answer.error === undefined && answer.text === reference.text ? 1 : 0),
};
