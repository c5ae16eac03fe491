import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../../errors/gateway-error.js';
import { classifyUpstreamFailure } from '../../upstream/upstream-client.js';
import { createSseDecoder, encodeSseEvent } from '../../upstream/sse-decoder.js';
import { estimateTokensFromCharacters } from '../../usage/token-usage.js';
import type { RequestContext } from './request-context.js';
import { forwardableResponseHeaders } from './response-headers.js';
import { writeGatewayError } from './write-gateway-error.js';

export interface RelayOptions {
  context: RequestContext;
  upstream: Dispatcher.ResponseData;
  response: ServerResponse;
  sluiceHeaders: Record<string, string>;
  signal: AbortSignal;
  removeInjectedUsageChunk: boolean;
}

/**
 * Sends the upstream's answer back in the same dialect. Error answers and whole JSON answers are relayed
 * byte for byte after a usage read; event streams are forwarded chunk by chunk as they arrive, with
 * backpressure, while a tap reads usage from them.
 */
export async function relayUpstreamResponse(options: RelayOptions): Promise<void> {
  const { upstream, context } = options;
  const contentType = String(upstream.headers['content-type'] ?? '');
  if (upstream.statusCode < 400 && context.stream && contentType.includes('text/event-stream')) {
    await relayEventStream(options);
  } else {
    await relayWholeBody(options);
  }
}

async function relayWholeBody(options: RelayOptions): Promise<void> {
  const { upstream, context, response } = options;
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await upstream.body.arrayBuffer());
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw classifyUpstreamFailure(error, context.provider?.name ?? 'upstream', 'request');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  context.statusCode = upstream.statusCode;
  if (upstream.statusCode >= 400) {
    context.outcome = 'error';
    context.errorCode = 'upstream_error';
    if (parsed === undefined) {
      // Not the provider's JSON (a proxy's HTML page, say): answer in the caller's shape instead.
      const error = new GatewayError(
        'upstream_error',
        `The upstream provider '${context.provider?.name}' answered with status ${upstream.statusCode}.`,
        { status: upstream.statusCode },
      );
      writeGatewayError(response, context.dialect, error, context.id, options.sluiceHeaders);
      return;
    }
  } else if (parsed === undefined) {
    throw new GatewayError('upstream_invalid_response', `The upstream provider '${context.provider?.name}' sent a response that is not JSON.`);
  } else {
    const facts = context.dialect.readResponse(parsed);
    if (facts.usage) context.usage = facts.usage;
    context.reportedModel = facts.reportedModel ?? null;
  }
  context.firstByteAt = performance.now();
  response.writeHead(upstream.statusCode, {
    ...forwardableResponseHeaders(upstream.headers),
    'content-length': bytes.length,
    ...options.sluiceHeaders,
  });
  response.end(bytes);
}

async function relayEventStream(options: RelayOptions): Promise<void> {
  const { upstream, context, response, signal } = options;
  const tap = context.dialect.createStreamTap({ removeInjectedUsageChunk: options.removeInjectedUsageChunk });
  const filtering = options.removeInjectedUsageChunk;
  let pending = '';
  const decoder = createSseDecoder((event) => {
    tap.observe(event);
    if (filtering && tap.shouldForward(event)) pending += encodeSseEvent(event);
  });

  response.writeHead(upstream.statusCode, {
    ...forwardableResponseHeaders(upstream.headers),
    'cache-control': 'no-cache',
    ...options.sluiceHeaders,
  });
  // Headers are out: from here on no fallback or retry is possible, and failures end the stream in-band.
  response.flushHeaders();

  let failure: GatewayError | undefined;
  try {
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
      let output: Buffer | string = chunk;
      if (filtering) {
        decoder.push(chunk);
        output = pending;
        pending = '';
        if (output.length === 0) continue;
      }
      context.firstByteAt ??= performance.now();
      const roomLeft = response.write(output);
      // Untouched bytes go to the client first; the tap reads them afterwards, off the latency path.
      if (!filtering) decoder.push(chunk);
      if (!roomLeft) await waitForDrain(response, signal);
    }
    decoder.end();
    if (filtering && pending.length > 0) response.write(pending);
  } catch (error) {
    if (!signal.aborted) failure = classifyUpstreamFailure(error, context.provider?.name ?? 'upstream', 'stream');
  }

  const facts = tap.facts();
  if (facts.usage) context.usage = facts.usage;
  context.reportedModel = facts.reportedModel ?? null;
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
    return;
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
    context.errorCode = failure.code;
    response.end(context.dialect.streamErrorEvent(failure));
    return;
  }
  if (tap.upstreamErrorMessage()) {
    context.outcome = 'error';
    context.errorCode = 'upstream_error';
  }
  response.end();
}

/** Waits until the client has room again, or has gone away. */
async function waitForDrain(response: ServerResponse, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason;
  await once(response, 'drain', { signal });
}
