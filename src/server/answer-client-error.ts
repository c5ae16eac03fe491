import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { openAiChatErrorBody } from '../dialects/openai-chat/error-body.js';
import { GatewayError } from '../errors/gateway-error.js';
import { newUlid } from '../ids/new-ulid.js';
import type { Logger } from '../domain/logger.js';

/**
 * The gateway error for what Node's HTTP parser refused before any route could see the request, or
 * undefined when there is nobody to answer (the socket failed, rather than the request).
 */
export function clientErrorAsGatewayError(error: NodeJS.ErrnoException): GatewayError | undefined {
  const code = error.code ?? '';
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new GatewayError('headers_too_large', 'The request line and headers are larger than this gateway accepts.');
  }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    return new GatewayError('payload_too_large', 'The chunk extensions of the request body are larger than this gateway accepts.');
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new GatewayError('request_timeout', 'The request did not arrive in time.');
  }
  if (code.startsWith('HPE_')) {
    // llhttp's reason ("Duplicate Content-Length", "Invalid header value char") names the fault without
    // echoing any of the caller's bytes.
    return new GatewayError('invalid_http', `The request is not valid HTTP/1.1: ${parserReason(error)}.`);
  }
  return undefined;
}

/** The raw HTTP/1.1 answer for a refused request: OpenAI's error shape, and the connection closes after it. */
export function clientErrorResponse(error: GatewayError, requestId: string): string {
  const body = JSON.stringify(openAiChatErrorBody(error));
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
    'content-type: application/json\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `x-sluice-request-id: ${requestId}\r\n` +
    (error.retryable ? '' : 'x-should-retry: false\r\n') +
    'connection: close\r\n' +
    `\r\n${body}`
  );
}

/**
 * Node's `clientError` listener (Fastify's `clientErrorHandler`): answers parser rejections in the
 * gateway's error shape instead of Fastify's `{"error":"Bad Request","message":"Client Error"}`.
 */
export function answerClientError(logger: Logger): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  return (error, socket) => {
    if (socket.destroyed) return;
    const gatewayError = clientErrorAsGatewayError(error);
    // Like Node's own handler: write only when no answer to an earlier request on this socket has begun,
    // or the raw bytes would land inside it.
    const answerInProgress = (socket as { _httpMessage?: ServerResponse | null })._httpMessage?.headersSent === true;
    if (!gatewayError || !socket.writable || answerInProgress) {
      socket.destroy();
      return;
    }
    const requestId = newUlid();
    logger.debug({ code: error.code, requestId, status: gatewayError.status }, 'malformed HTTP request refused');
    // A lingering close: the answer and a FIN go out now, and the socket is destroyed a little later.
    // Destroying it at once with the rest of the request still unread makes the kernel send a reset, which
    // can discard the answer before the client reads it. Bytes that arrive meanwhile fail the parser again
    // and land here with the socket no longer writable, which destroys it.
    socket.end(clientErrorResponse(gatewayError, requestId));
    const linger = setTimeout(() => socket.destroy(), lingerMs);
    linger.unref();
    socket.once('close', () => clearTimeout(linger));
  };
}

/** How long a refused connection may stay half open for its client to read the answer. */
const lingerMs = 1_000;

/** llhttp's own words ("Parse Error: Duplicate Content-Length" → "Duplicate Content-Length"). */
function parserReason(error: Error): string {
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason === 'string' && reason.length > 0) return reason;
  return error.message.replace(/^Parse Error:\s*/, '');
}
