import type { ProviderKind } from './provider-kind.js';
import type { DialectName } from './dialect-name.js';
import type { TargetTimeouts } from './timeouts.js';

/** How a provider expects its credential. */
export type ProviderAuthScheme = 'x-api-key' | 'bearer' | 'x-goog-api-key' | 'none';

export interface ProviderEndpoint {
  /** Path below `baseUrl`; `{model}` is replaced by the upstream model (Gemini puts it in the URL). */
  path: string;
  /** A different path for streaming calls, when the API has one (Gemini's `:streamGenerateContent?alt=sse`). */
  streamPath?: string;
  auth: ProviderAuthScheme;
}

/** Where a provider makes embeddings in one API shape. */
export interface EmbeddingsEndpoint {
  /** Path below `baseUrl`; `{model}` is replaced by the upstream model. */
  path: string;
  /** A different path for several inputs, when the API has one (Gemini's `:batchEmbedContents`). */
  batchPath?: string;
  auth: ProviderAuthScheme;
  /** Quirk: the provider's name for OpenAI's `dimensions` (Mistral: `output_dimension`). */
  dimensionsField?: string;
}

/**
 * A provider is data: where it lives, which API shapes it speaks natively and at which path, how it
 * authenticates, and the few quirks shared code must know about. Adding a provider means adding an entry.
 */
export interface ProviderEntry {
  /** The name used in `provider:model`, in pinned prefixes (`/<name>/v1/...`) and in usage rows. */
  name: string;
  kind: ProviderKind;
  /** Base URL in the convention of the official SDKs, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /**
   * Where and how to call the provider for each dialect Sluice calls it in. A caller of one of these shapes
   * is passed through; any other is translated into the first one listed.
   */
  endpoints: Partial<Record<DialectName, ProviderEndpoint>>;
  /**
   * Endpoints the provider also has but Sluice leaves alone unless `apis:` in the config names them
   * (Gemini's OpenAI-compatible one: translating to the native API keeps more).
   */
  optionalEndpoints?: Partial<Record<DialectName, ProviderEndpoint>>;
  /** Headers Sluice always sets (from `headers:` in the config). */
  fixedHeaders: Readonly<Record<string, string>>;
  /**
   * `providers.<name>.anthropicVersion`: the `anthropic-version` sent on every Anthropic-shaped call to this
   * provider, whatever the caller sent. Unset: the caller's own on pass-through, the translator's otherwise.
   */
  anthropicVersion: string | undefined;
  /**
   * Where the provider makes embeddings, per API shape (none: it has no embeddings, e.g. Anthropic). A caller
   * of one of these shapes is passed through; any other is translated into the first one listed.
   */
  embeddingsEndpoints: Partial<Record<DialectName, EmbeddingsEndpoint>>;
  /**
   * Models known to make embeddings. Other models of a hosted provider count as embeddings models only when
   * the price catalogue says so (see `routing/serves-embeddings.ts`).
   */
  embeddingModels: readonly string[];
  /** Client request headers passed upstream untouched (e.g. `anthropic-beta`). */
  forwardedHeaders: readonly string[];
  modelPrefixes: readonly string[];
  models: readonly string[];
  /** Environment variable that enables the provider with its key. */
  envKeyName: string | undefined;
  /**
   * Its `gen_ai.provider.name` in traces: the OpenTelemetry GenAI conventions' well-known value for a hosted
   * provider (`gcp.gemini`, `mistral_ai`…); an OpenAI-compatible server (and the mock) has none of its own, so
   * it goes by the name it is configured under.
   */
  genAiProviderName: string;
  /** Provider id in the pricing catalogue. */
  pricingProviderId: string | undefined;
  /** Quirk: OpenAI's newer models take `max_completion_tokens` and refuse `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Quirk: whether OpenAI's `stream_options.include_usage` is understood. */
  acceptsStreamUsageOption: boolean;
  /** Key from config or environment; a stored encrypted key is looked up separately. */
  configuredKey: string | undefined;
  /** Where `configuredKey` came from: `providers.<name>.apiKey` in the config, or the environment variable. */
  configuredKeySource: 'config' | 'env' | undefined;
  /** Whether the provider's models take images; a text-only target gets a 400 instead of a confusing upstream error. */
  acceptsImages: boolean;
  /** Self-hosted servers and the mock answer without a key; hosted providers refuse. */
  requiresKey: boolean;
  /** Switched off in config (`enabled: false`), or the mock when real providers are configured. */
  switchedOff: boolean;
  /**
   * `providers.<name>.private`: callers never see this provider's name, its models or its host in headers,
   * errors or answers (the group's name or `private` stands in); rows, analytics, metrics and the admin do.
   */
  private: boolean;
  /** Its calls' clocks: `providers.<name>.timeouts` over `upstream`'s, resolved when the registry is built. */
  timeouts: TargetTimeouts;
}
