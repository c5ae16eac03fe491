import type { Verifier } from './verifier.js';

/** The answer's text parsed as JSON (surrounding white space allowed), or undefined when it is not JSON. */
export function answerJson(text: string): { value: unknown } | undefined {
  if (text.trim() === '') return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** `json-valid`: 1 when the answer's text is JSON, else 0. */
export const jsonValidVerifier: Verifier = {
  name: 'json-valid',
  score: (_request, answer) => (answer.error === undefined && answerJson(answer.text) !== undefined ? 1 : 0),
};
