import { GatewayError } from '../errors/gateway-error.js';

/**
 * What a failed store call means for its caller:
 * - `unavailable`: the database cannot be reached or cannot take writes right now (connection refused or
 *   cut, timeouts, PostgreSQL shutting down or failing over, SQLite locked or out of disk). Trying again
 *   later can succeed, so usage rows are kept and admin changes get a 503.
 * - `rejected`: the database refused the data itself (a constraint or type error). The same rows will never
 *   be accepted, so the usage writer isolates and drops them instead of retrying forever.
 * - `other`: anything else (a bug); treated like `unavailable` by the usage writer, so no row is dropped on a
 *   guess.
 */
export type StoreErrorKind = 'unavailable' | 'rejected' | 'other';

const unreachableNetworkCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN',
]);

/** SQLSTATEs besides class 08 (connection exception) that mean "not now": shutdown, starting up, too many connections, a read-only replica after failover. */
const unavailableSqlStates = new Set(['57P01', '57P02', '57P03', '53300', '25006']);

/** pg's own errors carry no code: a connection ended mid-query, connect or query timeouts, a pool closed for shutdown. */
const pgClientFailure = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end/;

const sqliteUnavailable = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM)/;
const sqliteRejected = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;
const sqliteBindFailure = /SQLite3 can only bind|Missing named parameter|Too (many|few) parameter values/;

export function storeErrorKind(error: unknown): StoreErrorKind {
  if (error instanceof GatewayError) return error.code === 'store_unavailable' ? 'unavailable' : 'other';
  if (!(error instanceof Error)) return 'other';
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string') {
    if (unreachableNetworkCodes.has(code) || sqliteUnavailable.test(code)) return 'unavailable';
    if (sqliteRejected.test(code)) return 'rejected';
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (code.startsWith('08') || unavailableSqlStates.has(code)) return 'unavailable';
      // Class 22 data exception, class 23 integrity constraint violation.
      if (code.startsWith('22') || code.startsWith('23')) return 'rejected';
      return 'other';
    }
  }
  if (pgClientFailure.test(error.message)) return 'unavailable';
  // better-sqlite3 refuses a value it cannot bind before the database sees it.
  if (sqliteBindFailure.test(error.message)) return 'rejected';
  return 'other';
}

/**
 * The error a store call throws when the database is unreachable: a `GatewayError` with a stable code, so
 * every route answers a clear 503 in its caller's shape instead of a 500, whichever store call failed.
 */
export function toStoreError(error: unknown): unknown {
  if (error instanceof GatewayError || storeErrorKind(error) !== 'unavailable') return error;
  return new GatewayError('store_unavailable', "The gateway's database is unreachable right now; try again shortly.", {
    cause: error,
    headers: { 'retry-after': '5' },
  });
}
