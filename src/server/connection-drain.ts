import type { ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { InFlightRequests } from './in-flight-requests.js';
import type { Logger } from '../domain/logger.js';

export interface DrainOptions {
  /**
   * How long connections with nothing in flight stay open after the stop began, and after the last answer
   * ended: a client may already have sent a request on a connection the server thinks is idle, and closing
   * it under that request is what a client sees as ECONNRESET.
   */
  idleGraceMs: number;
  /** Longest wait for answers in flight (long streams) before their connections are cut. */
  deadlineMs: number;
}

export const defaultDrainOptions: DrainOptions = { idleGraceMs: 1_000, deadlineMs: 10_000 };

/** After connections were cut at the deadline, how long handlers get to notice and queue their usage rows. */
const afterCutMs = 2_000;

/**
 * A clean stop that answers every request the server received. On `drain()`:
 *
 *   1. the listener closes: new connections are refused, open ones stay;
 *   2. answers in flight finish, and those whose headers are not out yet say `connection: close`;
 *   3. a request that arrives on an open keep-alive connection gets a 503 `shutting_down` in the caller's
 *      shape (through the app's error handler: request id, usage row) with `connection: close` (one that
 *      matches no route gets its usual 404, with `connection: close` too);
 *   4. once nothing has been in flight for `idleGraceMs`, idle connections are closed (or at once, when
 *      every connection has already closed itself); at `deadlineMs` every connection is cut.
 *
 * Fastify's own `return503OnClosing` answers in its own shape, without a request id or a row, and Node's
 * `server.close()` closes idle keep-alive sockets at once, under requests already on the wire: the two
 * things the drill in test/e2e/graceful-shutdown.test.ts caught.
 */
export class ConnectionDrain {
  readonly #inFlight = new InFlightRequests();
  readonly #lateRequests = new WeakSet<FastifyRequest>();
  readonly #logger: Logger;
  #app: FastifyInstance | undefined;
  #draining = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Hooks the app; call before any route is registered, so every handler is counted while it runs. */
  install(app: FastifyInstance): void {
    this.#app = app;
    const inFlight = this.#inFlight;
    const lateRequests = this.#lateRequests;
    app.addHook('onRoute', (route) => {
      route.handler = countedHandler(route.handler, inFlight, lateRequests);
    });
    app.addHook('onRequest', (request, reply, done) => {
      inFlight.trackResponse(reply.raw);
      if (this.#draining) {
        reply.raw.setHeader('connection', 'close');
        lateRequests.add(request);
      }
      done();
    });
  }

  /** Resolves once every answer in flight now has ended (a config reload then releases what it replaced). */
  whenAnswersInFlightEnd(): Promise<void> {
    return this.#inFlight.whenOpenResponsesClose();
  }

  /** Runs the stop described above; resolves when every connection is closed or cut and every handler has settled. */
  async drain(options: DrainOptions = defaultDrainOptions): Promise<void> {
    const server = this.#app?.server;
    if (!server || this.#draining) return;
    this.#draining = true;
    for (const response of this.#inFlight.openResponses()) closeConnectionAfter(response);

    const finished = new AbortController();
    try {
      const deadline = delay(options.deadlineMs, finished.signal).then(() => 'deadline' as const);
      let outcome: 'all closed' | 'quiet' | 'idle' | 'deadline' = await Promise.race([
        stopListening(server).then(() => 'all closed' as const),
        this.#inFlight.whenQuietFor(options.idleGraceMs, finished.signal).then(() => 'quiet' as const),
        deadline,
      ]);
      if (outcome === 'quiet') server.closeIdleConnections();
      if (outcome !== 'deadline') outcome = await Promise.race([this.#inFlight.whenIdle(finished.signal).then(() => 'idle' as const), deadline]);
      if (outcome === 'deadline') {
        this.#logger.warn({ inFlight: this.#inFlight.count }, 'answers still in flight at the shutdown deadline; closing their connections');
        server.closeAllConnections();
        await Promise.race([this.#inFlight.whenIdle(finished.signal), delay(afterCutMs, finished.signal)]);
      }
    } finally {
      finished.abort();
    }
  }
}

/**
 * Stops accepting connections and resolves once every open one has closed. `net.Server#close` rather than
 * `http.Server#close`: since Node 19 the latter also closes idle keep-alive connections at once.
 */
function stopListening(server: NetServer): Promise<void> {
  return new Promise((resolve) => {
    NetServer.prototype.close.call(server, () => resolve());
  });
}

/** An answer whose headers are not out yet tells its client not to reuse the connection, and Node closes it after. */
function closeConnectionAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('connection', 'close');
}

/**
 * Counts a route handler as in flight until the promise it returns settles, and refuses a request that
 * arrived during the stop instead of running it. The refusal comes here, once the body has been read:
 * answering before it and then closing the socket with unread bytes in it makes the kernel send a reset,
 * which can reach the client before the 503 does.
 */
function countedHandler(
  handler: RouteHandlerMethod,
  inFlight: InFlightRequests,
  lateRequests: WeakSet<FastifyRequest>,
): RouteHandlerMethod {
  return function counted(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    // Through the app's error handler: the route's dialect, a request id, and a usage row for model calls.
    if (lateRequests.has(request)) return Promise.reject(new GatewayError('shutting_down', shuttingDownMessage));
    const release = inFlight.hold();
    try {
      const result: unknown = handler.call(this, request, reply);
      if (result instanceof Promise) result.then(release, release);
      else release();
      return result;
    } catch (error) {
      release();
      throw error;
    }
  } as RouteHandlerMethod;
}

const shuttingDownMessage = 'Sluice is shutting down; send the request again (on a new connection).';

/** Resolves after `milliseconds`, or at once when `signal` aborts; never rejects. */
function delay(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, milliseconds);
    signal.addEventListener('abort', done, { once: true });
  });
}
