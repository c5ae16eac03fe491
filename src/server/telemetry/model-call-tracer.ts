import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { CachedAnswer } from '../../cache/response-cache.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ProviderEntry } from '../../domain/provider-entry.js';
import type { RouteTarget } from '../../domain/route-target.js';
import type { UpstreamRequestParts } from '../../domain/upstream-request-parts.js';
import { costOf } from '../proxy/call-cost.js';
import type { ParsedRequest } from '../proxy/call-phases.js';
import type { ModelCall } from '../proxy/model-call.js';
import type { Logger } from '../../domain/logger.js';
import type { AttemptRecord } from '../../domain/attempt-record.js';
import { boundedMessagesJson, boundedPartsJson } from '../../telemetry/bounded-json.js';
import { inputMessagesOf, outputMessagesOf, systemInstructionsOf } from '../../telemetry/gen-ai-messages.js';
import type { AttemptTrace, CallTrace } from '../../telemetry/tracing.js';

/*
 * A call's operation is its `gen_ai.operation.name`: Sluice's two are the conventions' own names. Chat
 * Completions, Responses, Messages and Gemini's generateContent are all `chat` (a conversation in, one
 * assistant turn out); `/v1/embeddings` and Gemini's `:embedContent` are `embeddings`.
 */

/**
 * Makes the spans of model calls. The SERVER span is the inbound HTTP request, named as the HTTP conventions
 * name server spans (`POST /v1/chat/completions`: the route, never a caller's free text such as a model
 * name), with the GenAI request attributes and Sluice's own (`sluice.*`). Each upstream attempt is a CLIENT
 * span under it named as the GenAI conventions ask, `chat {gen_ai.request.model}`, with the provider's
 * name and address, and — on the attempt that served — the answer's model, id, finish reasons and usage.
 */
export class ModelCallTracer {
  private readonly propagator = new W3CTraceContextPropagator();
  /** `server.address` / `server.port` by provider base URL: parsed once, not per attempt. */
  private readonly servers = new Map<string, { address: string; port: number }>();

  constructor(
    private readonly tracer: Tracer,
    readonly options: { captureContent: boolean; logger: Logger },
  ) {}

  startCall(call: ModelCall): CallTrace {
    const { request } = call;
    // A caller's `traceparent` (and `tracestate`) makes this span part of its trace.
    const parent = this.propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const route = request.routeOptions.url ?? request.url.split('?')[0]!;
    const span = this.tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route, 'gen_ai.operation.name': call.route.operation } },
      parent,
    );
    return new ModelCallTrace(this, span, trace.setSpan(parent, span));
  }

  startAttemptSpan(call: ModelCall, target: RouteTarget, parsed: ParsedRequest, parent: Context, contentAttributes: () => Attributes): Span {
    const recording = trace.getSpan(parent)?.isRecording() ?? false;
    return this.tracer.startSpan(
      `${call.route.operation} ${target.upstreamModel}`,
      { kind: SpanKind.CLIENT, attributes: recording ? { ...this.attemptAttributes(call, target, parsed), ...contentAttributes() } : {} },
      parent,
    );
  }

  /** Sends `span` upstream as the parent of whatever the provider traces. */
  inject(span: Span, headers: Record<string, string>): void {
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  }

  private attemptAttributes(call: ModelCall, target: RouteTarget, parsed: ParsedRequest): Attributes {
    const server = this.serverOf(target.provider);
    const attributes: Attributes = {
      'gen_ai.operation.name': call.route.operation,
      'gen_ai.provider.name': target.provider.genAiProviderName,
      'gen_ai.request.model': target.upstreamModel,
      'gen_ai.request.stream': call.stream,
      'server.address': server.address,
      'server.port': server.port,
      'sluice.target': target.id,
    };
    const { embeddings } = parsed;
    if (embeddings) {
      attributes['gen_ai.request.encoding_formats'] = [embeddings.encodingFormat];
      if (embeddings.dimensions !== undefined) attributes['gen_ai.embeddings.dimension.count'] = embeddings.dimensions;
      return attributes;
    }
    const maxTokens = requestedMaxTokens(parsed);
    if (maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = maxTokens;
    return attributes;
  }

  private serverOf(provider: ProviderEntry): { address: string; port: number } {
    let server = this.servers.get(provider.baseUrl);
    if (!server) {
      const url = new URL(provider.baseUrl);
      server = { address: url.hostname, port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
      this.servers.set(provider.baseUrl, server);
    }
    return server;
  }
}

class ModelCallTrace implements CallTrace {
  /** The prompt as content attributes, made once and shared by every attempt. */
  private content: Attributes | undefined;

  constructor(
    private readonly tracer: ModelCallTracer,
    private readonly span: Span,
    private readonly context: Context,
  ) {}

  startAttempt(call: ModelCall, target: RouteTarget, parsed: ParsedRequest): AttemptTrace {
    const span = this.tracer.startAttemptSpan(call, target, parsed, this.context, () => this.contentAttributes(parsed));
    return new UpstreamAttemptTrace(this.tracer, span, this.tracer.options.captureContent && span.isRecording());
  }

  end(call: ModelCall): void {
    const { span } = this;
    endingSafely(span, this.tracer.options.logger, () => {
      if (!span.isRecording()) return;
      span.setAttributes(callAttributes(call));
      if (call.outcome !== 'ok') {
        span.setAttribute('error.type', call.errorCode ?? call.outcome);
        // As the HTTP conventions have it for a server: a 4xx is the caller's doing, not a failure of this span.
        if (call.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
    });
  }

  private contentAttributes(parsed: ParsedRequest): Attributes {
    // Embeddings inputs are not messages: the conventions have no content attribute for them.
    if (!this.tracer.options.captureContent || parsed.embeddings) return {};
    if (this.content === undefined) {
      try {
        const request = parsed.coreRequest();
        this.content = { 'gen_ai.input.messages': boundedMessagesJson(inputMessagesOf(request)) };
        if (request.system.length > 0) this.content['gen_ai.system_instructions'] = boundedPartsJson(systemInstructionsOf(request));
      } catch {
        // A pass-through body the core model cannot read: there is nothing to show but the raw body, which is not the conventions' format.
        this.content = {};
      }
    }
    return this.content;
  }
}

class UpstreamAttemptTrace implements AttemptTrace {
  readonly recordAnswer: ((answer: CachedAnswer['answer']) => void) | undefined;
  private answer: CachedAnswer['answer'] | undefined;

  constructor(
    private readonly tracer: ModelCallTracer,
    private readonly span: Span,
    captureContent: boolean,
  ) {
    this.recordAnswer = captureContent
      ? (answer) => {
          this.answer = answer;
        }
      : undefined;
  }

  withPropagation(parts: UpstreamRequestParts): UpstreamRequestParts {
    const headers = { ...parts.headers };
    this.tracer.inject(this.span, headers);
    return { ...parts, headers };
  }

  end(call: ModelCall, record: AttemptRecord, thrown: unknown): void {
    const { span } = this;
    endingSafely(span, this.tracer.options.logger, () => {
      if (!span.isRecording()) return;
      if (record.statusCode !== null) span.setAttribute('http.response.status_code', record.statusCode);
      const served = record.errorCode === null && thrown === undefined;
      if (served) {
        span.setAttributes(responseAttributes(call));
        if (this.answer && this.answer.kind !== 'embeddings') span.setAttribute('gen_ai.output.messages', boundedMessagesJson(outputMessagesOf(this.answer)));
      }
      const errorType = attemptErrorType(call, record, thrown);
      if (errorType !== undefined) {
        span.setAttribute('error.type', errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    });
  }
}

/**
 * Describes a span and ends it. These run on the request path (in the attempt's `finally`, before limits
 * are settled): a bug in describing a span is logged and must never change how a call ends.
 */
function endingSafely(span: Span, logger: Logger, describe: () => void): void {
  try {
    describe();
  } catch (error) {
    logger.warn({ err: error }, 'describing a trace span failed');
  } finally {
    span.end();
  }
}

/** Who called, what it became and what it cost: the usage row's facts, on the call's span. */
function callAttributes(call: ModelCall): Attributes {
  const attributes: Attributes = {
    'http.response.status_code': call.statusCode,
    'sluice.request_id': call.id,
    'sluice.outcome': call.outcome,
    'sluice.attempts': call.attemptTrail.length,
    'sluice.fallback': call.fallback,
    'sluice.cached': call.cached,
    'sluice.stream': call.stream,
  };
  if (call.requestedModel !== null) attributes['gen_ai.request.model'] = call.requestedModel;
  const key = call.caller?.key;
  if (key) {
    attributes['sluice.key_id'] = key.id;
    if (key.userName !== null) attributes['sluice.user'] = key.userName;
    if (key.teamName !== null) attributes['sluice.team'] = key.teamName;
  }
  if (call.groupName !== null) attributes['sluice.group'] = call.groupName;
  if (call.cached) {
    attributes['sluice.cost_usd'] = 0;
    if (call.savedCostUsd !== null) attributes['sluice.saved_cost_usd'] = call.savedCostUsd;
  } else if (call.sentUpstream) {
    attributes['sluice.cost_usd'] = costOf(call);
    if (call.usage.billedCostUsd !== undefined) attributes['sluice.billed_cost_usd'] = call.usage.billedCostUsd;
  }
  return attributes;
}

/** What the answer said about itself, on the span of the attempt that served it. */
function responseAttributes(call: ModelCall): Attributes {
  const { usage } = call;
  const attributes: Attributes = {
    'gen_ai.usage.input_tokens': usage.inputTokens,
    'gen_ai.usage.output_tokens': usage.outputTokens,
    'gen_ai.usage.cache_read.input_tokens': usage.cacheReadTokens,
    // The conventions' name, and the name operators were promised (issue 11), which earlier drafts used.
    'gen_ai.usage.cache_creation.input_tokens': usage.cacheWriteTokens,
    'gen_ai.usage.cache_write.input_tokens': usage.cacheWriteTokens,
    'gen_ai.usage.reasoning.output_tokens': usage.reasoningTokens,
  };
  if (call.reportedModel !== null) attributes['gen_ai.response.model'] = call.reportedModel;
  if (call.responseId !== null) attributes['gen_ai.response.id'] = call.responseId;
  if (call.finishReasons !== null) attributes['gen_ai.response.finish_reasons'] = call.finishReasons;
  return attributes;
}

/**
 * `error.type` of an attempt, or undefined when it succeeded: the upstream's HTTP status when it answered
 * with an error, else Sluice's error code (`upstream_timeout`, `upstream_stream_interrupted`, …).
 */
function attemptErrorType(call: ModelCall, record: AttemptRecord, thrown: unknown): string | undefined {
  const statusType = record.statusCode !== null && record.statusCode >= 400 ? String(record.statusCode) : undefined;
  if (record.errorCode !== null) return statusType ?? record.errorCode;
  if (thrown !== undefined) {
    if (call.signal.aborted) return 'client_closed_request';
    return thrown instanceof GatewayError ? thrown.code : '_OTHER';
  }
  // It served, but what reached the caller was an error (an upstream error answer, a stream cut mid-way).
  if (call.outcome !== 'ok') return statusType ?? call.errorCode ?? call.outcome;
  return undefined;
}

/** The output ceiling the caller asked for; a body the core model cannot read has none to report. */
function requestedMaxTokens(parsed: ParsedRequest): number | undefined {
  try {
    return parsed.coreRequest().maxTokens;
  } catch {
    return undefined;
  }
}
