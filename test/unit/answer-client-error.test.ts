import { describe, expect, it } from 'vitest';
import { clientErrorAsGatewayError, clientErrorResponse } from '../../src/server/answer-client-error.js';

function errorWithCode(code: string, message = 'Parse Error: Duplicate Content-Length'): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('clientErrorAsGatewayError', () => {
  it('maps parser rejections, header overflow and request timeouts to codes of the one table', () => {
    expect(clientErrorAsGatewayError(errorWithCode('HPE_UNEXPECTED_CONTENT_LENGTH'))).toMatchObject({
      code: 'invalid_http',
      status: 400,
      message: 'The request is not valid HTTP/1.1: Duplicate Content-Length.',
    });
    expect(clientErrorAsGatewayError(errorWithCode('HPE_HEADER_OVERFLOW'))).toMatchObject({ code: 'headers_too_large', status: 431 });
    expect(clientErrorAsGatewayError(errorWithCode('HPE_CHUNK_EXTENSIONS_OVERFLOW'))).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(clientErrorAsGatewayError(errorWithCode('ERR_HTTP_REQUEST_TIMEOUT'))).toMatchObject({ code: 'request_timeout', status: 408 });
  });

  it('leaves socket failures unanswered: there is no request to answer', () => {
    expect(clientErrorAsGatewayError(errorWithCode('ECONNRESET', 'read ECONNRESET'))).toBeUndefined();
    expect(clientErrorAsGatewayError(errorWithCode('EPIPE', 'write EPIPE'))).toBeUndefined();
  });
});

describe('clientErrorResponse', () => {
  it('is a complete HTTP/1.1 answer whose content-length counts the body in bytes', () => {
    const error = clientErrorAsGatewayError(errorWithCode('HPE_INVALID_HEADER_TOKEN', 'Parse Error: Invalid header value char'))!;
    const raw = clientErrorResponse(error, '01J00000000000000000000000');
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(head).toContain('connection: close');
    expect(head).toContain('x-sluice-request-id: 01J00000000000000000000000');
    expect(head).toContain(`content-length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toEqual({
      error: { message: 'The request is not valid HTTP/1.1: Invalid header value char.', type: 'invalid_request_error', param: null, code: 'invalid_http' },
    });
  });
});
