import type { ServerResponse } from 'node:http';
import type { Dialect } from '../../dialects/dialect.js';
import type { GatewayError } from '../../errors/gateway-error.js';

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

export function writeGatewayError(
  response: ServerResponse,
  dialect: Dialect,
  error: GatewayError,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): void {
  const rendered = renderGatewayError(dialect, error, requestId);
  response.writeHead(rendered.status, { ...extraHeaders, ...rendered.headers });
  response.end(rendered.body);
}
