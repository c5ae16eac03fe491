import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { CachedAnswer } from '../../cache/response-cache.js';
import type { Dialect } from '../../dialects/dialect.js';
import type { EmbeddingsCodec } from '../../dialects/embeddings-codec.js';
import type { CallTimeouts } from '../../domain/timeouts.js';
import type { IrEmbeddingsRequest } from '../../ir/embeddings-types.js';
import type { IrRequest } from '../../ir/ir-types.js';
import type { ClientAbort } from './client-abort.js';
import type { RequestContext } from './request-context.js';

/*
 * What a relay is handed: shared by `relay-upstream-response.ts` and the answer writers it calls
 * (`send-whole-answer.ts`, `relay-embeddings-answer.ts`), which import it from here rather than from the
 * relay that imports them.
 */

/** Set when the upstream speaks another shape than the caller. */
export interface Translation {
  upstreamDialect: Dialect;
  /** The caller's request as the core model. */
  callerRequest: IrRequest;
}

export interface RelayOptions {
  context: RequestContext;
  upstream: Dispatcher.ResponseData;
  response: ServerResponse;
  /** Sluice's own answer headers, computed when the answer starts (they name the attempt that served). */
  sluiceHeaders: () => Record<string, string>;
  /** The caller's abort: a relay cut by it is a cancelled call. */
  signal: ClientAbort;
  /**
   * Another attempt could follow this one: until the first content, nothing reaches the caller (a stream's
   * opening events are held back), and a failure is returned instead of answered, so the caller never sees it.
   */
  canFailOver: boolean;
  /** Called once, when the answer starts going to the caller: the attempt has served. */
  onCommit: () => void;
  removeInjectedUsageChunk: boolean;
  translation: Translation | undefined;
  /** The attempt's clocks, to name the one that ran out. */
  timeouts: CallTimeouts;
  /** Set when the answer should be cached: called once, only for a complete, successful answer. */
  storeInCache: ((answer: CachedAnswer['answer']) => void) | undefined;
  /** Set on an embeddings call: its answer is read and written by the embeddings codecs. */
  embeddings: EmbeddingsRelay | undefined;
}

/** How an embeddings call's answer is read and written back. */
export interface EmbeddingsRelay {
  /** The caller's shape. */
  callerCodec: EmbeddingsCodec;
  /** The shape the provider answers in (the caller's own on pass-through). */
  upstreamCodec: EmbeddingsCodec;
  /** The caller's request, for what its answer must echo (base64 or numbers, one or a list). */
  request: IrEmbeddingsRequest;
  translated: boolean;
}
