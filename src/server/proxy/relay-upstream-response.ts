import type { Dialect } from '../../dialects/dialect.js';
import type { IrStreamEvent } from '../../ir/ir-types.js';
import { upstreamErrorMessage } from '../../dialects/upstream-error-message.js';
import { createSseDecoder } from '../../upstream/sse-decoder.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { attemptFailureOf, type AttemptFailure } from '../../routing/classify-attempt-failure.js';
import { classifyUpstreamFailure } from '../../upstream/upstream-client.js';
import { estimateTokensFromCharacters } from '../../domain/token-usage.js';
import { waitForDrain } from './client-abort.js';
import { forwardableResponseHeaders } from './response-headers.js';
import { createPassThroughPipe, createTranslatingPipe, type StreamPipe } from './stream-pipes.js';
import { writeGatewayError } from './write-gateway-error.js';
import { concealError, concealErrorParts, concealJson, publicModelOf } from './conceal-private-target.js';
import { relayEmbeddingsAnswer } from './relay-embeddings-answer.js';
import type { RelayOptions } from './relay-options.js';
import { sendWholeAnswer } from './send-whole-answer.js';

/**
 * How a relay ended: the caller got an answer (served, or an error it must see), or — while another attempt
 * could follow — the attempt failed before anything reached the caller, with `errorCode` for its attempt
 * record. `answerWithError` then gives the caller that failure after all, when the attempt loop decides no
 * other attempt will be made.
 */
export type RelayOutcome =
  | { kind: 'answered' }
  | { kind: 'failed'; failure: AttemptFailure; errorCode: string; answerWithError: () => void };

const answered: RelayOutcome = { kind: 'answered' };

/**
 * Sends the upstream's answer back in the caller's shape. Pass-through answers go back byte for byte after
 * a usage read; translated ones through the core model. Event streams are forwarded chunk by chunk as they
 * arrive, with backpressure.
 */
export async function relayUpstreamResponse(options: RelayOptions): Promise<RelayOutcome> {
  const { upstream, context, translation } = options;
  const contentType = String(upstream.headers['content-type'] ?? '');
  // A private target's answer names the model the caller asked for, and its errors no hidden name.
  const concealing = context.targetPrivate ? context.concealment : null;
  if (upstream.statusCode < 400 && context.stream && contentType.includes('text/event-stream')) {
    const pipe = translation
      ? createTranslatingPipe({
          upstreamDialect: translation.upstreamDialect,
          callerDialect: context.dialect,
          model: concealing === null ? (context.upstreamModel ?? '') : publicModelOf(concealing, context.requestedModel),
          callerRequest: translation.callerRequest,
          concealment: context.concealment,
        })
      : createPassThroughPipe(
          context.dialect,
          options.removeInjectedUsageChunk,
          concealing === null ? undefined : { concealment: concealing, model: publicModelOf(concealing, context.requestedModel) },
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
    const answerWithError = () => relayUpstreamError(options, bytes, parsed);
    if (options.canFailOver) {
      return { kind: 'failed', failure: { kind: 'status', status: upstream.statusCode, headers: upstream.headers }, errorCode: 'upstream_error', answerWithError };
    }
    answerWithError();
    return answered;
  }
  context.statusCode = upstream.statusCode;
  if (parsed === undefined) {
    throw new GatewayError('upstream_invalid_response', `The upstream provider '${context.provider?.name}' sent a response that is not JSON.`);
  }
  if (options.embeddings) {
    relayEmbeddingsAnswer(options, options.embeddings, parsed, bytes);
    return answered;
  }
  if (translation) {
    const core = translation.upstreamDialect.decodeResponse(parsed);
    context.usage = core.usage;
    context.reportedModel = core.model || null;
    context.responseId = core.id || null;
    context.finishReasons = [core.stopReason];
    options.storeInCache?.({ kind: 'whole', response: core });
    if (concealing !== null) core.model = publicModelOf(concealing, context.requestedModel);
    const encoded = Buffer.from(JSON.stringify(context.dialect.encodeResponse(core, translation.callerRequest)));
    sendWholeAnswer(options, encoded, { 'content-type': 'application/json' });
    return answered;
  }
  const facts = context.dialect.readResponse(parsed);
  if (facts.usage) context.usage = facts.usage;
  context.reportedModel = facts.reportedModel ?? null;
  context.responseId = facts.responseId ?? null;
  context.finishReasons = facts.finishReasons ?? null;
  if (concealing === null) {
    sendWholeAnswer(options, bytes, forwardableResponseHeaders(upstream.headers));
  } else {
    // Read above as the upstream wrote it (the row names the real model); rewritten for the caller only.
    context.dialect.renameModel(parsed, publicModelOf(concealing, context.requestedModel));
    concealErrorParts(concealing, parsed);
    sendWholeAnswer(options, Buffer.from(JSON.stringify(parsed)), forwardableResponseHeaders(upstream.headers, true));
  }
  options.storeInCache?.({ kind: 'whole', response: context.dialect.decodeResponse(parsed) });
  return answered;
}

async function readWholeBody(options: RelayOptions): Promise<Buffer> {
  try {
    return Buffer.from(await options.upstream.body.arrayBuffer());
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw classifyUpstreamFailure(error, options.context.provider?.name ?? 'upstream', 'request', options.timeouts);
  }
}


/**
 * An upstream error answer. Already in the caller's envelope (pass-through, or a provider of the same
 * family), it goes back as it came, with the provider's own type and code; in any other shape (a
 * translated call, an OpenAI-compatible server with its own error format, or not JSON at all) its status
 * and message are rendered in the caller's shape, so an SDK always finds its error where it looks.
 */
function relayUpstreamError(options: RelayOptions, bytes: Buffer, parsed: unknown): void {
  const { context, upstream } = options;
  context.statusCode = upstream.statusCode;
  context.outcome = 'error';
  context.errorCode = 'upstream_error';
  const { concealment } = context;
  if (parsed !== undefined && context.dialect.isErrorBody(parsed)) {
    if (concealment === null) {
      sendWholeAnswer(options, bytes, forwardableResponseHeaders(upstream.headers));
      return;
    }
    // The provider's own type and code stay; every name of a private target in it goes (`model 'x' not found`).
    const concealed = Buffer.from(JSON.stringify(concealJson(concealment, parsed)));
    sendWholeAnswer(options, concealed, forwardableResponseHeaders(upstream.headers, context.targetPrivate));
    return;
  }
  const message =
    upstreamErrorMessage(parsed) ?? `The upstream provider '${context.provider?.name}' answered with status ${upstream.statusCode}.`;
  const retryAfter = upstream.headers['retry-after'];
  const error = new GatewayError('upstream_error', message, {
    status: upstream.statusCode,
    headers: typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {},
  });
  writeGatewayError(options.response, context.dialect, concealError(concealment, error), context.id, options.sluiceHeaders());
}

async function relayEventStream(options: RelayOptions, pipe: StreamPipe): Promise<RelayOutcome> {
  const { upstream, context, response, signal } = options;
  const { tap } = pipe;
  // Caching records the answer as core events, whatever the shapes, so any caller can be served later.
  const recorder = options.storeInCache ? createEventRecorder(options.translation?.upstreamDialect ?? context.dialect) : undefined;
  let committed = false;
  // While another attempt could follow, the stream's opening events wait here until its first content.
  const held: Array<Buffer | string> = [];
  const commit = (): boolean => {
    committed = true;
    options.onCommit();
    const passThroughHeaders = options.translation ? {} : forwardableResponseHeaders(upstream.headers, context.targetPrivate);
    response.writeHead(upstream.statusCode, {
      ...passThroughHeaders,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...options.sluiceHeaders(),
    });
    // Headers are out: from here on no fallback or retry is possible, and failures end the stream in-band.
    if (held.length === 0) {
      response.flushHeaders();
      return true;
    }
    context.firstByteAt ??= performance.now();
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
      context.statusCode = error.status;
      context.outcome = 'error';
      context.errorCode = error.reason ?? error.code;
      writeGatewayError(response, context.dialect, concealError(context.concealment, error), context.id, options.sluiceHeaders());
    },
  });
  const upstreamProblemBeforeContent = (): RelayOutcome | undefined => {
    const message = tap.upstreamErrorMessage();
    if (message !== undefined) return failedBeforeContent({ kind: 'interrupted' }, new GatewayError('upstream_error', message, { status: 502 }));
    if (tap.unreadableEvents() > 0) {
      return failedBeforeContent(
        { kind: 'interrupted' },
        new GatewayError('upstream_invalid_response', `The upstream provider '${context.provider?.name}' sent a stream event that is not valid JSON.`),
      );
    }
    return undefined;
  };
  if (!options.canFailOver) commit();

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
          return upstreamProblemBeforeContent()!;
        }
        if (!tap.contentStarted()) continue;
        if (!commit()) await waitForDrain(response, signal);
        continue;
      }
      if (output.length === 0) {
        pipe.afterWrite(chunk);
        continue;
      }
      context.firstByteAt ??= performance.now();
      const roomLeft = response.write(output);
      // Untouched bytes go to the client first; the tap reads them afterwards, off the latency path.
      pipe.afterWrite(chunk);
      recorder?.push(chunk);
      if (!roomLeft) await waitForDrain(response, signal);
    }
    const trailing = pipe.finish();
    if (!committed) {
      if (trailing.length > 0) held.push(trailing);
      if (tap.failedBeforeContent()) return upstreamProblemBeforeContent()!;
      if (!tap.completed()) {
        const cut = new GatewayError('upstream_stream_interrupted', `The upstream provider '${context.provider?.name}' ended the stream before it finished.`);
        return failedBeforeContent({ kind: 'interrupted' }, cut);
      }
      // A complete answer with no content at all (an empty reply) is still the answer.
      commit();
    } else if (trailing.length > 0) {
      response.write(trailing);
    }
  } catch (error) {
    if (!signal.aborted) {
      const classified = classifyUpstreamFailure(error, context.provider?.name ?? 'upstream', 'stream', options.timeouts);
      if (!committed) return failedBeforeContent(attemptFailureOf(classified), classified);
      failure = classified;
    }
  }

  const facts = tap.facts();
  if (facts.usage) context.usage = facts.usage;
  context.reportedModel = facts.reportedModel ?? null;
  context.responseId = facts.responseId ?? null;
  context.finishReasons = facts.finishReasons ?? null;
  if (!tap.outputReported()) {
    // No final count from the provider (cut short, or it sends none): estimate from what was generated.
    const estimate = estimateTokensFromCharacters(tap.generatedCharacters());
    context.usage = { ...context.usage, outputTokens: Math.max(context.usage.outputTokens, estimate) };
    context.outputTokensEstimated = true;
  }

  if (signal.aborted) {
    context.statusCode = 499;
    context.outcome = 'cancelled';
    context.errorCode = 'client_closed_request';
    return answered;
  }
  context.statusCode = upstream.statusCode;
  if (!failure && tap.unreadableEvents() > 0) {
    // The bytes relayed stay relayed (a translated stream already ended with an error event): the row says
    // the answer could not be read, instead of passing it off as a success with no tokens.
    context.statusCode = 502;
    context.outcome = 'error';
    context.errorCode = 'upstream_invalid_response';
    response.end();
    return answered;
  }
  if (!failure && !tap.completed() && !tap.upstreamErrorMessage()) {
    failure = new GatewayError(
      'upstream_stream_interrupted',
      `The upstream provider '${context.provider?.name}' ended the stream before it finished.`,
    );
  }
  if (failure) {
    context.statusCode = failure.status;
    context.outcome = 'error';
    context.errorCode = failure.reason ?? failure.code;
    response.end(pipe.failureEvent(concealError(context.concealment, failure)));
    return answered;
  }
  if (tap.upstreamErrorMessage()) {
    context.outcome = 'error';
    context.errorCode = 'upstream_error';
  } else if (recorder && options.storeInCache) {
    options.storeInCache({ kind: 'stream', events: recorder.finish() });
  }
  response.end();
  return answered;
}

function createEventRecorder(upstreamDialect: Dialect): { push(chunk: Buffer): void; finish(): IrStreamEvent[] } {
  const translate = upstreamDialect.createStreamDecoder();
  const events: IrStreamEvent[] = [];
  const decoder = createSseDecoder((event) => events.push(...translate(event)));
  return {
    push: (chunk) => decoder.push(chunk),
    finish() {
      decoder.end();
      return events;
    },
  };
}
