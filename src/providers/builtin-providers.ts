import type { ProviderKind } from '../domain/provider-kind.js';
import type { ProviderEntry } from '../domain/provider-entry.js';

type BuiltinTemplate = Omit<
  ProviderEntry,
  'name' | 'configuredKey' | 'configuredKeySource' | 'switchedOff' | 'private' | 'anthropicVersion' | 'timeouts' | 'genAiProviderName'
> & {
  /** The GenAI conventions' well-known `gen_ai.provider.name`; undefined: the provider's configured name stands in. */
  genAiProviderName: string | undefined;
};

const openAiChatEndpoint = { 'openai-chat': { path: '/chat/completions', auth: 'bearer' } } as const;
const geminiNativeEndpoint = {
  path: '/models/{model}:generateContent',
  streamPath: '/models/{model}:streamGenerateContent?alt=sse',
  auth: 'x-goog-api-key',
} as const;

const openAiEmbeddingsEndpoint = { 'openai-chat': { path: '/embeddings', auth: 'bearer' } } as const;
const geminiEmbeddingsEndpoint = {
  gemini: { path: '/models/{model}:embedContent', batchPath: '/models/{model}:batchEmbedContents', auth: 'x-goog-api-key' },
} as const;

/** The built-in provider entries. OpenAI-compatible ones differ only in data. */
export const builtinProviders: Record<Exclude<ProviderKind, 'openai-compatible'>, BuiltinTemplate> = {
  anthropic: {
    kind: 'anthropic',
    genAiProviderName: 'anthropic',
    baseUrl: 'https://api.anthropic.com/v1',
    endpoints: { 'anthropic-messages': { path: '/messages', auth: 'x-api-key' } },
    // Anthropic has no embeddings API.
    embeddingsEndpoints: {},
    embeddingModels: [],
    fixedHeaders: {},
    forwardedHeaders: ['anthropic-beta'],
    modelPrefixes: ['claude-'],
    models: ['claude-opus-4-1', 'claude-sonnet-4-5', 'claude-haiku-4-5'],
    envKeyName: 'ANTHROPIC_API_KEY',
    pricingProviderId: 'anthropic',
    maxTokensField: 'max_tokens',
    acceptsStreamUsageOption: false,
    acceptsImages: true,
    requiresKey: true,
  },
  openai: {
    kind: 'openai',
    genAiProviderName: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    endpoints: { ...openAiChatEndpoint, 'openai-responses': { path: '/responses', auth: 'bearer' } },
    embeddingsEndpoints: openAiEmbeddingsEndpoint,
    embeddingModels: ['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'],
    fixedHeaders: {},
    forwardedHeaders: ['openai-beta'],
    modelPrefixes: ['gpt-', 'chatgpt-', 'o1', 'o3', 'o4', 'codex-', 'text-embedding-'],
    models: ['gpt-5', 'gpt-5-mini', 'gpt-4.1', 'gpt-4o-mini', 'o4-mini'],
    envKeyName: 'OPENAI_API_KEY',
    pricingProviderId: 'openai',
    maxTokensField: 'max_completion_tokens',
    acceptsStreamUsageOption: true,
    acceptsImages: true,
    requiresKey: true,
  },
  gemini: {
    kind: 'gemini',
    genAiProviderName: 'gcp.gemini',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    // Every other shape is translated to the native API: thought signatures, thinking settings, cache
    // counts and structured output survive there, and errors come back in one known shape. The
    // OpenAI-compatible endpoint passes OpenAI callers through instead when `apis:` names it.
    endpoints: { gemini: geminiNativeEndpoint },
    optionalEndpoints: { 'openai-chat': { path: '/openai/chat/completions', auth: 'bearer' } },
    embeddingsEndpoints: geminiEmbeddingsEndpoint,
    // Listed, so `text-embedding-004` lands here before OpenAI's `text-embedding-` prefix takes it.
    embeddingModels: ['gemini-embedding-001', 'text-embedding-004'],
    fixedHeaders: {},
    forwardedHeaders: [],
    modelPrefixes: ['gemini-'],
    models: ['gemini-2.5-pro', 'gemini-2.5-flash'],
    envKeyName: 'GEMINI_API_KEY',
    pricingProviderId: 'google',
    maxTokensField: 'max_tokens',
    acceptsStreamUsageOption: true,
    acceptsImages: true,
    requiresKey: true,
  },
  mistral: {
    kind: 'mistral',
    genAiProviderName: 'mistral_ai',
    baseUrl: 'https://api.mistral.ai/v1',
    endpoints: openAiChatEndpoint,
    embeddingsEndpoints: { 'openai-chat': { path: '/embeddings', auth: 'bearer', dimensionsField: 'output_dimension' } },
    embeddingModels: ['mistral-embed', 'codestral-embed'],
    fixedHeaders: {},
    forwardedHeaders: [],
    modelPrefixes: ['mistral-', 'codestral-', 'magistral-', 'ministral-', 'pixtral-', 'devstral-', 'open-mistral-'],
    models: ['mistral-large-latest', 'mistral-small-latest', 'codestral-latest'],
    envKeyName: 'MISTRAL_API_KEY',
    pricingProviderId: 'mistral',
    // Mistral always reports usage on the last chunk and does not document stream_options.
    maxTokensField: 'max_tokens',
    acceptsStreamUsageOption: false,
    acceptsImages: true,
    requiresKey: true,
  },
  grok: {
    kind: 'grok',
    genAiProviderName: 'x_ai',
    baseUrl: 'https://api.x.ai/v1',
    endpoints: openAiChatEndpoint,
    // xAI has no embeddings API.
    embeddingsEndpoints: {},
    embeddingModels: [],
    fixedHeaders: {},
    forwardedHeaders: [],
    modelPrefixes: ['grok-'],
    models: ['grok-4', 'grok-3-mini'],
    envKeyName: 'XAI_API_KEY',
    pricingProviderId: 'x-ai',
    maxTokensField: 'max_tokens',
    acceptsStreamUsageOption: true,
    acceptsImages: true,
    requiresKey: true,
  },
  mock: {
    kind: 'mock',
    genAiProviderName: undefined,
    // The real address is filled in when the built-in mock upstream starts.
    baseUrl: 'http://127.0.0.1:0/v1',
    endpoints: {
      'openai-chat': { path: '/chat/completions', auth: 'bearer' },
      'openai-responses': { path: '/responses', auth: 'bearer' },
      'anthropic-messages': { path: '/messages', auth: 'x-api-key' },
      gemini: geminiNativeEndpoint,
    },
    // The mock makes embeddings of any model name; `mock-embed` is the one it lists.
    embeddingsEndpoints: openAiEmbeddingsEndpoint,
    embeddingModels: ['mock-embed'],
    fixedHeaders: {},
    forwardedHeaders: ['anthropic-beta', 'openai-beta'],
    modelPrefixes: ['mock-'],
    models: ['mock-echo'],
    envKeyName: undefined,
    pricingProviderId: undefined,
    maxTokensField: 'max_tokens',
    acceptsStreamUsageOption: true,
    acceptsImages: true,
    requiresKey: false,
  },
};

/** Template for any OpenAI-compatible server (vLLM, Ollama, OpenRouter, Groq…). */
export const openAiCompatibleTemplate: BuiltinTemplate = {
  kind: 'openai-compatible',
  genAiProviderName: undefined,
  baseUrl: 'http://127.0.0.1:8000/v1',
  endpoints: openAiChatEndpoint,
  // vLLM, Ollama, LM Studio, TEI… all serve `/v1/embeddings` in OpenAI's shape.
  embeddingsEndpoints: openAiEmbeddingsEndpoint,
  embeddingModels: [],
  fixedHeaders: {},
  forwardedHeaders: [],
  modelPrefixes: [],
  models: [],
  envKeyName: undefined,
  pricingProviderId: undefined,
  maxTokensField: 'max_tokens',
  acceptsStreamUsageOption: true,
  acceptsImages: true,
  requiresKey: false,
};
