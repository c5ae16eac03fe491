import type { ServerResponse } from 'node:http';
import type { Dialect } from '../../dialects/dialect.js';
import { GatewayError } from '../../errors/gateway-error.js';

/** Status, headers and body of a gateway error in one dialect's envelope. */
export function renderGatewayError(
  dialect: Dialect,
  error: GatewayError,
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-sluice-request-id': requestId,
    ...error.headers,
  };
  // Claude Code and the SDKs otherwise retry a 401 or a 403 for a minute.
  if (!error.retryable) headers['x-should-retry'] = 'false';
  return { status: error.status, headers, body: JSON.stringify(dialect.errorBody(error)) };
}

/**
 * Answers with a gateway error, and never leaves the exchange hanging: if the full answer cannot be written
 * (a header value Node refuses, headers already sent, a body that will not serialise), it falls back to the
 * bare error with only the request id, and past that it closes the connection so the caller sees an end.
 */
export function writeGatewayError(
  response: ServerResponse,
  dialect: Dialect,
  error: GatewayError,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): void {
  if (response.headersSent) {
    endAnswerInFlight(response);
    return;
  }
  try {
    const rendered = renderGatewayError(dialect, error, requestId);
    response.writeHead(rendered.status, { ...extraHeaders, ...rendered.headers });
    response.end(rendered.body);
  } catch {
    writeBareInternalError(response, dialect, requestId);
  }
}

function writeBareInternalError(response: ServerResponse, dialect: Dialect, requestId: string): void {
  try {
    for (const name of response.getHeaderNames()) response.removeHeader(name);
    const body = JSON.stringify(dialect.errorBody(bareInternalError));
    response.writeHead(500, { 'content-type': 'application/json', 'x-sluice-request-id': requestId, connection: 'close' });
    response.end(body);
  } catch {
    response.destroy();
  }
}

/** An answer whose head is out cannot become an error answer: end it, or cut it if even that fails. */
function endAnswerInFlight(response: ServerResponse): void {
  try {
    if (!response.writableEnded) response.end();
  } catch {
    response.destroy();
  }
}

/** The error rendered when rendering the real one failed: made once, so nothing here can fail again. */
const bareInternalError = new GatewayError('internal_error', 'Internal gateway error while writing the answer.');
