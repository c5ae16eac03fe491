/**
 * What the request thread hands the usage writer for one captured call, beside its usage row (same id):
 * the raw request and answer as they went, not yet redacted or sealed — that is the writer thread's work.
 * Never spooled to disk: rows that go to the usage spool lose their capture (see usage-writer.ts).
 */
export interface PendingCapture {
  requestId: string;
  method: string;
  /** The path with its query string, as the caller sent it. */
  path: string;
  /** The caller's headers without credentials (see capturable-headers.ts); values not yet redacted. */
  requestHeaders: Record<string, string>;
  /** The body text as received, cut a little past `maxBytes` (the writer cuts exactly, after redaction). */
  requestBody: string;
  /** The body was longer than even that cut. */
  requestCut: boolean;
  /** The answer's bytes as written to the caller (whole body, or the stream's events), cut likewise. */
  answer: Uint8Array;
  answerCut: boolean;
  /** The status the caller got (the row's when nothing was written). */
  status: number;
  /** The answer was an event stream. */
  stream: boolean;
  /** The most of the request and of the answer kept, bytes each. */
  maxBytes: number;
  /** Epoch ms from which retention deletes the capture. */
  expiresAt: number;
}

/**
 * Kept past `maxBytes` before redaction, so a secret that straddles the cut is still whole when the
 * patterns run (the writer then cuts at `maxBytes` exactly): longer than any key or token redacted.
 */
export const redactionMarginBytes = 1024;
