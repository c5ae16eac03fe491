/** The wire format a request is answered in. */
export type Wire = 'anthropic' | 'openai' | 'responses' | 'gemini';
