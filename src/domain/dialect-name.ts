/** One API shape a caller or a provider speaks. */
export type DialectName = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini';
