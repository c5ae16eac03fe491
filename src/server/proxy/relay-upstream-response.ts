import type { Dialect } from '../../dialects/dialect.js';
import type { ResponseFacts } from '../../dialects/wire-facts.js';
import type { CachedAnswer } from '../../cache/response-cache.js';
import type { IrStreamEvent } from '../../ir/ir-types.js';
import { upstreamErrorMessage } from '../../dialects/upstream-error-message.js';
import { createSseDecoder } from '../../upstream/sse-decoder.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { attemptFailureOf, type AttemptFailure } from '../../routing/classify-attempt-failure.js';
import { classifyUpstreamFailure } from '../../upstream/upstream-client.js';
import { estimateTokensFromCharacters, type TokenUsage } from '../../domain/token-usage.js';
import type { UsageOutcome } from '../../domain/usage-row.js';
import { answerHeadersOf } from './answer-headers.js';
import { waitForDrain } from './client-abort.js';
import { errorAnswer, servedAnswer, type RelayedAnswer } from './relayed-answer.js';
import { forwardableResponseHeaders } from './response-headers.js';
import { createPassThroughPipe, createTranslatingPipe, type StreamPipe } from './stream-pipes.js';
import { writeGatewayError } from './write-gateway-error.js';
import { concealError, concealErrorParts, concealJson, publicModelOf } from './conceal-private-target.js';
import { relayEmbeddingsAnswer } from './relay-embeddings-answer.js';
import { sendWholeAnswer } from './send-whole-answer.js';
import type { RelayOptions } from './relay-options.js';


/**
 * How a relay ended: the caller got an answer (served, or an error it must see), described for the row; or —
 * while another attempt could follow — the attempt failed before anything reached the caller, with
 * `errorCode` for its attempt record. `answerWithError` then gives the caller that failure after all, when
 * the attempt loop decides no other attempt will be made, and says what the caller got.
 */
export type RelayOutcome = RelayedAnswer | FailedBeforeContent;

export interface FailedBeforeContent {
  readonly kind: 'failed';
  readonly failure: AttemptFailure;
  readonly errorCode: string;
  readonly answerWithError: () => RelayedAnswer;
}

/**
 * Sends the upstream's answer back in the caller's shape. Pass-through answers go back byte for byte after
 * a usage read; translated ones through the core model. Event streams are forwarded chunk by chunk as they
 * arrive, with backpressure.
 */
export async function relayUpstreamResponse(options: RelayOptions): Promise<RelayOutcome> {
  const { upstream, call, attempt } = options;
  const { translation } = attempt.plan;
  const target = attempt.target;
  const contentType = String(upstream.headers['content-type'] ?? '');
  // A private target's answer names the model the caller asked for, and its errors no hidden name.
  const concealing = target.private ? call.concealment : null;
  if (upstream.statusCode < 400 && call.stream && contentType.includes('text/event-stream')) {
    const pipe = translation
      ? createTranslatingPipe({
          upstreamDialect: translation.upstreamDialect,
          callerDialect: call.dialect,
          model: concealing === null ? target.upstreamModel : publicModelOf(concealing, call.requestedModel),
          callerRequest: translation.callerRequest,
          concealment: call.concealment,
        })
      : createPassThroughPipe(
          call.dialect,
          attempt.plan.removeInjectedUsageChunk,
          concealing === null ? undefined : { concealment: concealing, model: publicModelOf(concealing, call.requestedModel) },
        );
    return relayEventStream(options, pipe);
  }
  const bytes = await readWholeBody(options);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (upstream.statusCode >= 400) {
    if (attempt.canFailOver) {
      return {
        kind: 'failed',
        failure: { kind: 'status', status: upstream.statusCode, headers: upstream.headers },
        errorCode: 'upstream_error',
        answerWithError: () => relayUpstreamError(options, bytes, parsed),
      };
    }
    return relayUpstreamError(options, bytes, parsed);
  }
  if (parsed === undefined) {
    throw new GatewayError('upstream_invalid_response', `The upstream provider '${target.provider.name}' sent a response that is not JSON.`);
  }
  const embeddings = attempt.plan.embeddings;
  if (embeddings) return relayEmbeddingsAnswer(options, embeddings, parsed, bytes);
  if (translation) {
    const core = translation.upstreamDialect.decodeResponse(parsed);
    const reportedModel = core.model || null;
    // Kept as the provider answered (the caller's copy below names the public model instead).
    const kept: CachedAnswer['answer'] | undefined = attempt.keepsAnswer ? { kind: 'whole', response: concealing === null ? core : { ...core } } : undefined;
    if (concealing !== null) core.model = publicModelOf(concealing, call.requestedModel);
    const encoded = Buffer.from(JSON.stringify(call.dialect.encodeResponse(core, translation.callerRequest)));
    const firstByteAt = sendWholeAnswer(options, encoded, { 'content-type': 'application/json' });
    return servedAnswer({ statusCode: upstream.statusCode, usage: core.usage, reportedModel, responseId: core.id || null, finishReasons: [core.stopReason], firstByteAt, complete: kept });
  }
  const facts = call.dialect.readResponse(parsed);
  let firstByteAt: number;
  if (concealing === null) {
    firstByteAt = sendWholeAnswer(options, bytes, forwardableResponseHeaders(upstream.headers));
  } else {
    // Read above as the upstream wrote it (the row names the real model); rewritten for the caller only.
    call.dialect.renameModel(parsed, publicModelOf(concealing, call.requestedModel));
    concealErrorParts(concealing, parsed);
    firstByteAt = sendWholeAnswer(options, Buffer.from(JSON.stringify(parsed)), forwardableResponseHeaders(upstream.headers, true));
  }
  const kept: CachedAnswer['answer'] | undefined = attempt.keepsAnswer ? { kind: 'whole', response: call.dialect.decodeResponse(parsed) } : undefined;
  return servedAnswer({
    statusCode: upstream.statusCode,
    usage: facts.usage,
    reportedModel: facts.reportedModel ?? null,
    responseId: facts.responseId ?? null,
    finishReasons: facts.finishReasons ?? null,
    firstByteAt,
    complete: kept,
  });
}

/** A successful whole answer, as the provider described it. */
async function readWholeBody(options: RelayOptions): Promise<Buffer> {
  try {
    return Buffer.from(await options.upstream.body.arrayBuffer());
  } catch (error) {
    if (options.call.signal.aborted) throw error;
    throw classifyUpstreamFailure(error, options.attempt.target.provider.name, 'request', options.attempt.timeouts);
  }
}

/**
 * An upstream error answer. Already in the caller's envelope (pass-through, or a provider of the same
 * family), it goes back as it came, with the provider's own type and code; in any other shape (a
 * translated call, an OpenAI-compatible server with its own error format, or not JSON at all) its status
 * and message are rendered in the caller's shape, so an SDK always finds its error where it looks.
 */
function relayUpstreamError(options: RelayOptions, bytes: Buffer, parsed: unknown): RelayedAnswer {
  const { call, upstream, attempt } = options;
  const { concealment } = call;
  if (parsed !== undefined && call.dialect.isErrorBody(parsed)) {
    if (concealment === null) {
      const firstByteAt = sendWholeAnswer(options, bytes, forwardableResponseHeaders(upstream.headers));
      return errorAnswer(upstream.statusCode, 'error', 'upstream_error', firstByteAt);
    }
    // The provider's own type and code stay; every name of a private target in it goes (`model 'x' not found`).
    const concealed = Buffer.from(JSON.stringify(concealJson(concealment, parsed)));
    const firstByteAt = sendWholeAnswer(options, concealed, forwardableResponseHeaders(upstream.headers, attempt.target.private));
    return errorAnswer(upstream.statusCode, 'error', 'upstream_error', firstByteAt);
  }
  const message =
    upstreamErrorMessage(parsed) ?? `The upstream provider '${attempt.target.provider.name}' answered with status ${upstream.statusCode}.`;
  const retryAfter = upstream.headers['retry-after'];
  const error = new GatewayError('upstream_error', message, {
    status: upstream.statusCode,
    headers: typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {},
  });
  writeGatewayError(call.response, call.dialect, concealError(concealment, error), call.id, answerHeadersOf(call));
  return errorAnswer(upstream.statusCode, 'error', 'upstream_error', undefined);
}

async function relayEventStream(options: RelayOptions, pipe: StreamPipe): Promise<RelayOutcome> {
  const { upstream, call, attempt } = options;
  const { response, signal } = call;
  const providerName = attempt.target.provider.name;
  const { tap } = pipe;
  // Caching records the answer as core events, whatever the shapes, so any caller can be served later.
  const recorder = attempt.keepsAnswer ? createEventRecorder(attempt.plan.translation?.upstreamDialect ?? call.dialect) : undefined;
  let committed = false;
  let firstByteAt: number | undefined;
  // While another attempt could follow, the stream's opening events wait here until its first content.
  const held: Array<Buffer | string> = [];
  const commit = (): boolean => {
    committed = true;
    attempt.commit();
    const passThroughHeaders = attempt.plan.translation ? {} : forwardableResponseHeaders(upstream.headers, attempt.target.private);
    response.writeHead(upstream.statusCode, {
      ...passThroughHeaders,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...answerHeadersOf(call),
    });
    // Headers are out: from here on no fallback or retry is possible, and failures end the stream in-band.
    if (held.length === 0) {
      response.flushHeaders();
      return true;
    }
    firstByteAt ??= performance.now();
    let roomLeft = true;
    for (const output of held) roomLeft = response.write(output);
    held.length = 0;
    return roomLeft;
  };
  /** A failure before the first content: the caller has seen nothing, so another attempt can take over. */
  const failedBeforeContent = (failure: AttemptFailure, error: GatewayError): RelayOutcome => ({
    kind: 'failed',
    failure,
    // The attempt record tells the clocks apart; any other failure before content reads as a cut stream.
    errorCode: failure.kind === 'timeout' ? (error.reason ?? error.code) : 'upstream_stream_interrupted',
    answerWithError: () => {
      writeGatewayError(response, call.dialect, concealError(call.concealment, error), call.id, answerHeadersOf(call));
      return errorAnswer(error.status, 'error', error.reason ?? error.code, undefined);
    },
  });
  const upstreamProblemBeforeContent = (): RelayOutcome => {
    const message = tap.upstreamErrorMessage();
    if (message !== undefined) return failedBeforeContent({ kind: 'interrupted' }, new GatewayError('upstream_error', message, { status: 502 }));
    return failedBeforeContent(
      { kind: 'interrupted' },
      new GatewayError('upstream_invalid_response', `The upstream provider '${providerName}' sent a stream event that is not valid JSON.`),
    );
  };
  if (!attempt.canFailOver) commit();

  let failure: GatewayError | undefined;
  try {
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
      const output = pipe.transform(chunk);
      if (!committed) {
        pipe.afterWrite(chunk);
        recorder?.push(chunk);
        if (output.length > 0) held.push(output);
        // The tap tells which came first, event by event: a chunk can carry the first content and a failure.
        if (tap.failedBeforeContent()) {
          upstream.body.destroy();
          return upstreamProblemBeforeContent();
        }
        if (!tap.contentStarted()) continue;
        if (!commit()) await waitForDrain(response, signal);
        continue;
      }
      if (output.length === 0) {
        pipe.afterWrite(chunk);
        continue;
      }
      firstByteAt ??= performance.now();
      const roomLeft = response.write(output);
      // Untouched bytes go to the client first; the tap reads them afterwards, off the latency path.
      pipe.afterWrite(chunk);
      recorder?.push(chunk);
      if (!roomLeft) await waitForDrain(response, signal);
    }
    const trailing = pipe.finish();
    if (!committed) {
      if (trailing.length > 0) held.push(trailing);
      if (tap.failedBeforeContent()) return upstreamProblemBeforeContent();
      if (!tap.completed()) {
        const cut = new GatewayError('upstream_stream_interrupted', `The upstream provider '${providerName}' ended the stream before it finished.`);
        return failedBeforeContent({ kind: 'interrupted' }, cut);
      }
      // A complete answer with no content at all (an empty reply) is still the answer.
      commit();
    } else if (trailing.length > 0) {
      response.write(trailing);
    }
  } catch (error) {
    if (!signal.aborted) {
      const classified = classifyUpstreamFailure(error, providerName, 'stream', attempt.timeouts);
      if (!committed) return failedBeforeContent(attemptFailureOf(classified), classified);
      failure = classified;
    }
  }

  const facts = tap.facts();
  let usage = facts.usage;
  let outputTokensEstimated = false;
  if (!tap.outputReported()) {
    // No final count from the provider (cut short, or it sends none): estimate from what was generated.
    const estimate = estimateTokensFromCharacters(tap.generatedCharacters());
    const counted = usage ?? call.usage;
    usage = { ...counted, outputTokens: Math.max(counted.outputTokens, estimate) };
    outputTokensEstimated = true;
  }
  const read: StreamRead = { facts, usage, outputTokensEstimated, firstByteAt };
  if (signal.aborted) return streamAnswer(read, 499, 'cancelled', 'client_closed_request', undefined);
  if (!failure && tap.unreadableEvents() > 0) {
    // The bytes relayed stay relayed (a translated stream already ended with an error event): the row says
    // the answer could not be read, instead of passing it off as a success with no tokens.
    response.end();
    return streamAnswer(read, 502, 'error', 'upstream_invalid_response', undefined);
  }
  if (!failure && !tap.completed() && !tap.upstreamErrorMessage()) {
    failure = new GatewayError('upstream_stream_interrupted', `The upstream provider '${providerName}' ended the stream before it finished.`);
  }
  if (failure) {
    response.end(pipe.failureEvent(concealError(call.concealment, failure)));
    return streamAnswer(read, failure.status, 'error', failure.reason ?? failure.code, undefined);
  }
  if (tap.upstreamErrorMessage()) {
    response.end();
    return streamAnswer(read, upstream.statusCode, 'error', 'upstream_error', undefined);
  }
  response.end();
  return streamAnswer(read, upstream.statusCode, 'ok', null, recorder?.finish());
}

/** What the tap read from a relayed stream, whatever became of it. */
interface StreamRead {
  facts: ResponseFacts;
  usage: TokenUsage | undefined;
  outputTokensEstimated: boolean;
  firstByteAt: number | undefined;
}

function streamAnswer(
  read: StreamRead,
  statusCode: number,
  outcome: UsageOutcome,
  errorCode: string | null,
  complete: CachedAnswer['answer'] | undefined,
): RelayedAnswer {
  const { facts } = read;
  return {
    kind: 'answered',
    statusCode,
    outcome,
    errorCode,
    usage: read.usage,
    outputTokensEstimated: read.outputTokensEstimated,
    inputTokensEstimated: false,
    reportedModel: facts.reportedModel ?? null,
    responseId: facts.responseId ?? null,
    finishReasons: facts.finishReasons ?? null,
    firstByteAt: read.firstByteAt,
    complete,
  };
}

function createEventRecorder(upstreamDialect: Dialect): { push(chunk: Buffer): void; finish(): { kind: 'stream'; events: IrStreamEvent[] } } {
  const translate = upstreamDialect.createStreamDecoder();
  const events: IrStreamEvent[] = [];
  const decoder = createSseDecoder((event) => events.push(...translate(event)));
  return {
    push: (chunk) => decoder.push(chunk),
    finish() {
      decoder.end();
      return { kind: 'stream', events };
    },
  };
}
