import type { FastifyError } from 'fastify';
import { GatewayError } from '../../errors/gateway-error.js';
import type { Logger } from '../../domain/logger.js';

/**
 * An error that reached a Fastify error handler, in the gateway's own terms: errors Fastify raised before a
 * handler ran (body parsing, limits) become their 4xx; anything else unexpected is logged and becomes an
 * `internal_error` whose message says nothing of the cause.
 */
export function serverErrorAsGatewayError(error: FastifyError, logger: Logger, failure = 'unhandled server error'): GatewayError {
  if (error instanceof GatewayError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('payload_too_large', 'The request body is larger than this gateway accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('unsupported_media_type', 'Send the request body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError('invalid_json', 'The request body is empty or not valid JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'The Content-Length header does not match the body.');
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new GatewayError('invalid_request', error.message, { status: error.statusCode });
  }
  logger.error({ err: error }, failure);
  return new GatewayError('internal_error', 'Internal gateway error.');
}
