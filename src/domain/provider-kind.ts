/** The kinds of provider Sluice knows: each built-in template, plus any OpenAI-compatible server and the mock. */
export const providerKinds = ['anthropic', 'openai', 'gemini', 'mistral', 'grok', 'openai-compatible', 'mock'] as const;
export type ProviderKind = (typeof providerKinds)[number];
