import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { ResolvedCaptureSettings } from '../domain/capture-settings.js';
import { capturableHeaders, capturablePath } from './capturable-headers.js';
import { redactionMarginBytes, type PendingCapture } from './pending-capture.js';

const dayMs = 86_400_000;

/** What the recorder reads of the request: Fastify's request satisfies it. */
export interface CapturedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body text as received. */
  readonly rawBody?: string;
}

type Write = (...args: unknown[]) => boolean;
type End = (...args: unknown[]) => ServerResponse;
type WriteHead = (...args: unknown[]) => ServerResponse;

/**
 * The request thread's side of one sampled call. Made only when the call is captured (the stage that
 * decides costs nothing more when capture is off): it notes the request's method, path, headers (without
 * credentials) and body text, and taps the response so the answer is kept exactly as the caller got it —
 * a whole body, an error, a cache hit or a stream's events — however far it got. It keeps references to
 * the chunks written (no copy) until `finish`, which joins them once for the usage writer; bytes past
 * `maxBytes` (plus a margin for redaction) are not kept. Redaction and sealing happen in the writer thread.
 */
export class CaptureRecorder {
  readonly #requestId: string;
  readonly #request: CapturedRequest;
  readonly #response: ServerResponse;
  readonly #settings: ResolvedCaptureSettings;
  readonly #createdAt: number;
  readonly #limit: number;
  readonly #chunks: Array<Uint8Array | string> = [];
  #kept = 0;
  #answerCut = false;
  #stream = false;

  constructor(requestId: string, request: CapturedRequest, response: ServerResponse, settings: ResolvedCaptureSettings, createdAt: number) {
    this.#requestId = requestId;
    this.#request = request;
    this.#response = response;
    this.#settings = settings;
    this.#createdAt = createdAt;
    this.#limit = settings.maxBytes + redactionMarginBytes;
    this.#tap(response);
  }

  /** What the writer needs besides the usage row; `rowStatus` stands in when nothing reached the caller. */
  finish(rowStatus: number): PendingCapture {
    const request = this.#request;
    const body = request.rawBody ?? '';
    const requestCut = body.length > this.#limit;
    const response = this.#response;
    return {
      requestId: this.#requestId,
      method: request.method,
      path: capturablePath(request.url),
      requestHeaders: capturableHeaders(request.headers),
      requestBody: requestCut ? body.slice(0, this.#limit) : body,
      requestCut,
      answer: this.#joined(),
      answerCut: this.#answerCut,
      status: response.headersSent ? response.statusCode : rowStatus,
      stream: this.#stream,
      maxBytes: this.#settings.maxBytes,
      expiresAt: this.#createdAt + this.#settings.retainDays * dayMs,
    };
  }

  #tap(response: ServerResponse): void {
    const target = response as unknown as { write: Write; end: End; writeHead: WriteHead };
    const write = target.write;
    const end = target.end;
    const writeHead = target.writeHead;
    target.writeHead = (...args: unknown[]) => {
      this.#noteHeaders(args);
      return writeHead.apply(response, args);
    };
    // Fixed arity (no rest array per write): Node reads an undefined encoding or callback as absent.
    target.write = (chunk: unknown, encoding: unknown, callback: unknown) => {
      this.#keep(chunk, encoding);
      return write.call(response, chunk, encoding, callback);
    };
    target.end = (chunk: unknown, encoding: unknown, callback: unknown) => {
      this.#keep(chunk, encoding);
      return end.call(response, chunk, encoding, callback);
    };
  }

  /** `writeHead(status[, message][, headers])`: whether the answer is an event stream. */
  #noteHeaders(args: unknown[]): void {
    for (const argument of args) {
      if (argument === null || typeof argument !== 'object' || Array.isArray(argument)) continue;
      for (const [name, value] of Object.entries(argument as Record<string, unknown>)) {
        if (name.toLowerCase() === 'content-type') this.#stream = String(value).includes('text/event-stream');
      }
    }
    const set = this.#response.getHeader('content-type');
    if (set !== undefined && !this.#stream) this.#stream = String(set).includes('text/event-stream');
  }

  #keep(chunk: unknown, encoding: unknown): void {
    if (this.#answerCut || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    let piece: Uint8Array | string;
    let size: number;
    if (typeof chunk === 'string') {
      // Kept as text; encoded once at the end (a string written with another encoding is encoded now).
      piece = typeof encoding === 'string' && encoding !== 'utf8' && encoding !== 'utf-8' ? Buffer.from(chunk, encoding as BufferEncoding) : chunk;
      size = typeof piece === 'string' ? Buffer.byteLength(piece) : piece.byteLength;
    } else if (chunk instanceof Uint8Array) {
      piece = chunk;
      size = chunk.byteLength;
    } else {
      return;
    }
    const room = this.#limit - this.#kept;
    if (size > room) {
      this.#answerCut = true;
      const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
      piece = bytes.subarray(0, room);
      size = room;
    }
    this.#chunks.push(piece);
    this.#kept += size;
  }

  /**
   * The answer in one buffer of its own (not a slice of Node's shared pool, which a copy to the writer
   * thread would carry whole).
   */
  #joined(): Uint8Array {
    // allocUnsafeSlow: never a slice of the pool, and no zero fill (every byte is written below).
    const joined = Buffer.allocUnsafeSlow(this.#kept);
    let offset = 0;
    for (const chunk of this.#chunks) {
      if (typeof chunk === 'string') {
        offset += joined.write(chunk, offset, 'utf8');
        continue;
      }
      joined.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return offset === joined.byteLength ? joined : joined.subarray(0, offset);
  }
}
