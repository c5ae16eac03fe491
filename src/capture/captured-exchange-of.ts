import type { CapturedExchange } from '../domain/captured-exchange.js';
import type { UsageRow } from '../domain/usage-row.js';
import type { SecretBox } from '../keys/secret-box.js';
import type { SealedCapture } from '../store/store.js';
import type { PendingCapture } from './pending-capture.js';
import { emptyCounts, type Redactor } from './redaction.js';
import { sealCapture } from './seal-capture.js';

/**
 * The writer thread's side (issue 22 §2): a pending capture and its usage row become the stored exchange —
 * every header value, the path, the body and the answer redacted, then cut to `maxBytes` (bytes, on a
 * character boundary), then sealed. Run with the usage batch, never on the request thread.
 */
export function capturedExchangeOf(pending: PendingCapture, row: UsageRow, redactor: Redactor): CapturedExchange {
  const counts = emptyCounts();
  const headers = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(pending.requestHeaders)) headers[name] = redactor.redact(value, counts).text;
  const body = cutToBytes(redactor.redact(pending.requestBody, counts).text, pending.maxBytes);
  const answer = cutToBytes(redactor.redact(Buffer.from(pending.answer.buffer, pending.answer.byteOffset, pending.answer.byteLength).toString('utf8'), counts).text, pending.maxBytes);
  return {
    requestId: row.id,
    createdAt: row.createdAt,
    keyId: row.keyId,
    teamName: row.teamName,
    userName: row.userName,
    requestedModel: row.requestedModel,
    runId: row.runId,
    trialId: row.trialId,
    tags: row.tags,
    inboundDialect: row.inboundDialect,
    method: pending.method,
    path: redactor.redact(pending.path, counts).text,
    requestHeaders: headers,
    requestBody: body.text,
    status: pending.status,
    stream: pending.stream,
    answer: answer.text,
    requestTruncated: pending.requestCut || body.cut,
    answerTruncated: pending.answerCut || answer.cut,
    redactions: { ...counts },
  };
}

/** Redacts and seals the captures of a batch whose rows were just stored; a capture without its row is skipped. */
export function sealPendingCaptures(pending: readonly PendingCapture[], rows: readonly UsageRow[], redactor: Redactor, box: SecretBox): SealedCapture[] {
  if (pending.length === 0) return [];
  const rowsById = new Map(rows.map((row) => [row.id, row]));
  const sealed: SealedCapture[] = [];
  for (const capture of pending) {
    const row = rowsById.get(capture.requestId);
    if (row !== undefined) sealed.push(sealCapture(box, capturedExchangeOf(capture, row, redactor), capture.expiresAt));
  }
  return sealed;
}

/** Text cut to at most `maxBytes` of UTF-8, never inside a character. */
export function cutToBytes(text: string, maxBytes: number): { text: string; cut: boolean } {
  // A UTF-16 unit is at most three bytes of UTF-8: most texts need no count at all.
  if (text.length * 3 <= maxBytes) return { text, cut: false };
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength <= maxBytes) return { text, cut: false };
  let end = maxBytes;
  // Back over continuation bytes (10xxxxxx) to the start of the character the cut falls in.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), cut: true };
}
