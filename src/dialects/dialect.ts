import type { GatewayError } from '../errors/gateway-error.js';
import type { IrRequest, IrResponse, IrStreamEvent } from '../ir/ir-types.js';
import type { ProviderEntry } from '../domain/provider-entry.js';
import type { SseEvent } from '../upstream/sse-decoder.js';
import type { DialectName } from '../domain/dialect-name.js';
import type { EmbeddingsCodec } from './embeddings-codec.js';
import type { JsonObject, RequestUrlFacts, ResponseFacts } from './wire-facts.js';

/** What Sluice itself reads from a request body; every other field passes through untouched. */
export interface InboundRequest {
  model: string;
  stream: boolean;
  /** End-user id found in the body (`user`, `metadata.user_id`). */
  bodyRequester: string | undefined;
}

export interface PreparedUpstreamBody {
  body: JsonObject;
  /** True when Sluice asked for stream usage the caller did not ask for, so that chunk must be removed again. */
  removeInjectedUsageChunk: boolean;
}

/**
 * Reads a stream of decoded events as it flows by. It never holds the stream: it keeps counters only.
 */
export interface StreamTap {
  observe(event: SseEvent): void;
  /** False for events Sluice added itself and the caller must not see. */
  shouldForward(event: SseEvent): boolean;
  facts(): ResponseFacts;
  /** Whether the upstream has sent its final output-token count (Anthropic sends it near the end). */
  outputReported(): boolean;
  /** Characters of generated text seen so far, for estimating output when no count arrives. */
  generatedCharacters(): number;
  /** The terminal event arrived (`message_stop`, `[DONE]`). */
  completed(): boolean;
  /** An error event the upstream sent inside the stream, if any. */
  upstreamErrorMessage(): string | undefined;
  /** Events that could not be read (data that is not JSON): the answer is an invalid response, not a success. */
  unreadableEvents(): number;
  /**
   * Generated content (text, reasoning or tool-call arguments) has arrived: the point after which a stream
   * is the caller's answer and can no longer fail over to another target.
   */
  contentStarted(): boolean;
  /** An error or unreadable event came before any content (event by event, even within one chunk). */
  failedBeforeContent(): boolean;
}

/** A request body for the target, and what could not be carried over (sent as `x-sluice-warning`). */
export interface EncodedRequest {
  body: JsonObject;
  warnings: string[];
}

/** A header that names the API version a body was written for (Anthropic's `anthropic-version`). */
export interface VersionHeader {
  name: string;
  /** The version Sluice's codecs for this shape follow: what a translated call is sent with. */
  translatorVersion: string;
}

/** Turns one upstream event into core stream events (stateful: one per stream). */
export type StreamDecoder = (event: SseEvent) => IrStreamEvent[];
/** Turns one core stream event into SSE text for the caller (stateful: one per stream). */
export type StreamEncoder = (event: IrStreamEvent) => string;

/**
 * One API shape. Pass-through uses the first group (read, edit, tap); translation goes through the core
 * model with the codecs of the second group, so every pair of shapes works without pairwise code.
 */
export interface Dialect {
  name: DialectName;
  /** Set when calls in this shape must say which API version they speak. */
  versionHeader: VersionHeader | undefined;
  parseRequest(body: unknown, url: RequestUrlFacts): InboundRequest;
  prepareUpstreamBody(
    body: JsonObject,
    request: InboundRequest,
    target: { provider: ProviderEntry; upstreamModel: string },
  ): PreparedUpstreamBody;
  readResponse(body: unknown): ResponseFacts;
  /** The images a request body in this shape carries (the row's `image_count`), read in place. */
  countImages(body: JsonObject): number;
  /**
   * The field this shape's body names its output cap with (`max_tokens`, `max_completion_tokens`,
   * `generationConfig.maxOutputTokens`…): what a refusal over the cap names as its `param`. Read per request
   * by routing, so it reads the body in place and builds nothing.
   */
  maxOutputTokensField(body: JsonObject): string;
  /** The output cap the caller set in that field, when it is a finite number. */
  maxOutputTokens(body: JsonObject): number | undefined;
  /**
   * Read off the raw body, for a body only this shape can carry (its decoder refused to translate it):
   * whether the prompt holds an image, and whether it asks for thinking or reasoning. Otherwise routing reads
   * both from the decoded core request.
   */
  sendsImages(body: JsonObject): boolean;
  asksForReasoning(body: JsonObject): boolean;
  /**
   * Top-level body fields of this shape that do not change the answer (how it is delivered, and who asked),
   * left out of the response cache's key.
   */
  cacheIgnoredFields: ReadonlySet<string>;
  createStreamTap(options: { removeInjectedUsageChunk: boolean }): StreamTap;
  errorBody(error: GatewayError): JsonObject;
  /** The error event that ends a stream which failed after it started. */
  streamErrorEvent(error: GatewayError): string;

  decodeRequest(body: JsonObject): IrRequest;
  encodeRequest(request: IrRequest, target: { provider: ProviderEntry; upstreamModel: string }): EncodedRequest;
  /**
   * The output ceiling (thinking included) a call in this shape carries for `request`, as encodeRequest
   * writes it; undefined when none is sent. Budgets and token limits are reserved on this, not on the
   * caller's own number, where the two differ.
   */
  sentMaxOutputTokens(request: IrRequest): number | undefined;
  decodeResponse(body: unknown): IrResponse;
  /** `request` is the caller's own request as the core model, for what the answer must echo back. */
  encodeResponse(response: IrResponse, request: IrRequest): JsonObject;
  createStreamDecoder(): StreamDecoder;
  createStreamEncoder(options: { model: string; includeUsage: boolean; request: IrRequest }): StreamEncoder;
  /**
   * Whether an error body is already in this shape's envelope, so an upstream error can reach a caller of
   * this shape as it came (with the provider's own type and code); any other is rendered anew.
   */
  isErrorBody(body: unknown): boolean;
  /**
   * Names `model` wherever this shape names the model in a whole answer or one stream event (parsed JSON,
   * changed in place): how a private target's answers carry the name the caller asked for.
   */
  renameModel(answer: unknown, model: string): void;
  /** The shape's embeddings operation, when it has one (OpenAI's `/v1/embeddings`, Gemini's `:embedContent`). */
  embeddings: EmbeddingsCodec | undefined;
}
