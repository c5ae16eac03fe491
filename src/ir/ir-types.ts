import type { TokenUsage } from '../domain/token-usage.js';
import type { ReasoningState } from './reasoning-state.js';

/**
 * The provider-neutral model every dialect converts to and from, so N dialects need N codecs, not N×N.
 * It holds what Sluice can translate faithfully; a pass-through call never goes through it.
 */

export type IrImageSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string };

export type IrPart =
  | { type: 'text'; text: string; cacheControl?: unknown }
  | { type: 'image'; source: IrImageSource; cacheControl?: unknown }
  | { type: 'tool-call'; id: string; name: string; /** JSON text, as streamed */ arguments: string }
  | { type: 'tool-result'; toolCallId: string; content: Array<IrTextPart | IrImagePart>; isError: boolean }
  /**
   * Thinking / reasoning. `state` is the provider's opaque continuation (Anthropic signature, Gemini thought
   * signature, OpenAI encrypted content); Gemini's signature of a function call is a reasoning part with
   * empty text just before that call. `redacted` is Anthropic's redacted thinking.
   */
  | { type: 'reasoning'; text: string; state?: ReasoningState; redacted?: string };

export type IrTextPart = Extract<IrPart, { type: 'text' }>;
export type IrImagePart = Extract<IrPart, { type: 'image' }>;
export type IrToolCallPart = Extract<IrPart, { type: 'tool-call' }>;

export interface IrMessage {
  /** `system` inside the conversation (OpenAI allows it anywhere; Claude Code sends one mid-conversation). */
  role: 'system' | 'user' | 'assistant';
  parts: IrPart[];
}

export interface IrTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  /**
   * A Responses "custom" tool that takes free text. Other providers see a function with one string
   * argument `input`; answers are turned back into custom tool calls for the caller.
   */
  freeform?: boolean;
}

export type IrToolChoice = { type: 'auto' } | { type: 'none' } | { type: 'required' } | { type: 'tool'; name: string };

/**
 * What the answer must be: free text, any JSON object (OpenAI's JSON mode, Gemini's JSON mime type without
 * a schema) or JSON valid under a schema. `strict` says the caller asked for output constrained to the
 * schema (OpenAI's `strict: true`; Anthropic's and Gemini's schemas always constrain); a target that can
 * only follow the schema loosely says so in a warning.
 */
export type IrResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean };

export interface IrRequest {
  model: string;
  /** System and developer instructions that lead the conversation. */
  system: IrTextPart[];
  messages: IrMessage[];
  tools: IrTool[];
  toolChoice?: IrToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: IrResponseFormat;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  /** Thinking budget (Anthropic) or effort (OpenAI); a target without reasoning drops it with a warning. */
  reasoning?: { budgetTokens?: number; effort?: 'minimal' | 'low' | 'medium' | 'high' };
  stream: boolean;
  /** The caller asked for usage in its stream (OpenAI `stream_options.include_usage`). */
  streamUsage: boolean;
  user?: string;
  /** What reading the caller's request had to leave out (sent as `x-sluice-warning`). */
  warnings: string[];
}

export type IrStopReason = 'end' | 'max_tokens' | 'stop_sequence' | 'tool_calls' | 'content_filter' | 'refusal' | 'other';

export interface IrResponse {
  id: string;
  model: string;
  content: IrPart[];
  stopReason: IrStopReason;
  stopSequence?: string | null;
  usage: TokenUsage;
}

/** One step of a streamed answer, in the order a client must see them. */
export type IrStreamEvent =
  | { type: 'start'; id: string; model: string; usage?: TokenUsage }
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  | { type: 'reasoning-state'; state: ReasoningState }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'finish'; stopReason: IrStopReason; stopSequence?: string | null; usage: TokenUsage | undefined }
  /** `code` is set when the upstream's stream itself could not be read (as opposed to an error it sent). */
  | { type: 'error'; status: number; message: string; code?: 'upstream_invalid_response' };
