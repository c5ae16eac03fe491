import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/gateway-error.js';
import type { GatewayServices } from '../gateway-services.js';
import { hijackReply } from '../hijack-reply.js';
import { answerHeadersOf } from './answer-headers.js';
import { concealError } from './conceal-private-target.js';
import { abortWhenClientLeaves } from './client-abort.js';
import { createModelCall, type ModelCall, type ProxyRoute } from './model-call.js';
import { modelCallStages } from './model-call-stages.js';
import { runStages } from './stage-list.js';
import { settleAndRecord } from './stages/settle-and-record.js';
import { writeGatewayError } from './write-gateway-error.js';


/**
 * A model call: the stages of `model-call-stages.ts` in order, an error in the caller's shape if one of
 * them refuses or fails, and in every case a settled admission and exactly one usage row.
 */
export async function handleProxyRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  route: ProxyRoute,
  services: GatewayServices,
): Promise<void> {
  const response = hijackReply(reply);
  const call = createModelCall({ request, response, route, services, signal: abortWhenClientLeaves(response) });
  if (services.tracing !== null) call.trace = services.tracing.startCall(call);
  try {
    await runStages(modelCallStages, call, undefined);
  } catch (error) {
    answerWithError(call, error);
  } finally {
    await settleAndRecord(call);
  }
}

function answerWithError(call: ModelCall, error: unknown): void {
  if (call.signal.aborted) {
    call.statusCode = 499;
    call.outcome = 'cancelled';
    call.errorCode = 'client_closed_request';
    return;
  }
  const raised = error instanceof GatewayError ? error : unexpected(call, error);
  // The row keeps the code; the caller's message never names a private target.
  const gatewayError = concealError(call.concealment, raised);
  call.statusCode = gatewayError.status;
  call.outcome = 'error';
  call.errorCode = gatewayError.reason ?? gatewayError.code;
  // Ends the exchange however far the answer got (an error event was already sent on a broken stream).
  writeGatewayError(call.response, call.route.dialect, gatewayError, call.id, answerHeadersOf(call));
}

/** A failure no stage anticipated: logged with its stack, answered as a plain 500. */
function unexpected(call: ModelCall, error: unknown): GatewayError {
  call.services.logger.error({ err: error, requestId: call.id }, 'unexpected error in a model call');
  return new GatewayError('internal_error', 'Internal gateway error.', { cause: error });
}
