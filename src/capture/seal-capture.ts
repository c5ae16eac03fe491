import type { CapturedExchange } from '../domain/captured-exchange.js';
import type { SecretBox } from '../keys/secret-box.js';
import type { SealedCapture } from '../store/store.js';

/**
 * A capture at rest: the redacted exchange as JSON, sealed with the master key (AES-256-GCM, as stored
 * provider keys are) and bound to its request id as associated data, so a sealed capture copied onto
 * another row — or a sealed provider key — fails to open. The store keeps the filter columns in the clear
 * and nothing else.
 */

/** The associated data a capture is sealed with: its request id, in a namespace of its own. */
function associatedData(requestId: string): string {
  return `capture:${requestId}`;
}

/** Seals an exchange; `expiresAt` is when retention deletes it (epoch ms). */
export function sealCapture(box: SecretBox, exchange: CapturedExchange, expiresAt: number | undefined): SealedCapture {
  const sealed = box.encrypt(JSON.stringify(exchange), associatedData(exchange.requestId));
  return {
    requestId: exchange.requestId,
    createdAt: exchange.createdAt,
    keyId: exchange.keyId,
    teamName: exchange.teamName,
    requestedModel: exchange.requestedModel,
    runId: exchange.runId,
    tags: exchange.tags,
    bytes: sealed.length,
    sealed,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/**
 * Opens a stored capture. Throws `SecretBoxError` when it was sealed under another master key, for another
 * request id, or altered.
 */
export function openCapture(box: SecretBox, sealed: SealedCapture): CapturedExchange {
  return JSON.parse(box.decrypt(sealed.sealed, associatedData(sealed.requestId))) as CapturedExchange;
}
