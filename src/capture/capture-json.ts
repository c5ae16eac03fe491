import type { CapturedExchange } from '../domain/captured-exchange.js';

/**
 * A capture as `GET /admin/captures/{request id}` answers it and `sluice capture show` prints it
 * (snake_case, times in ISO 8601, bodies as captured): the dashboard's request drawer reads this type.
 */
export interface CaptureJson {
  request_id: string;
  created_at: string;
  key_id: string | null;
  team: string | null;
  user: string | null;
  model: string | null;
  run: string | null;
  trial: string | null;
  tags: string[];
  dialect: string;
  method: string;
  path: string;
  request: { headers: Record<string, string>; body: string };
  response: { status: number; stream: boolean; body: string };
  request_truncated: boolean;
  answer_truncated: boolean;
  redactions: Record<string, number>;
}

export function captureJson(exchange: CapturedExchange): CaptureJson {
  return {
    request_id: exchange.requestId,
    created_at: new Date(exchange.createdAt).toISOString(),
    key_id: exchange.keyId,
    team: exchange.teamName,
    user: exchange.userName,
    model: exchange.requestedModel,
    run: exchange.runId,
    trial: exchange.trialId,
    tags: exchange.tags,
    dialect: exchange.inboundDialect,
    method: exchange.method,
    path: exchange.path,
    request: { headers: exchange.requestHeaders, body: exchange.requestBody },
    response: { status: exchange.status, stream: exchange.stream, body: exchange.answer },
    request_truncated: exchange.requestTruncated,
    answer_truncated: exchange.answerTruncated,
    redactions: exchange.redactions,
  };
}
