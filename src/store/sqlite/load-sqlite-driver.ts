import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/** better-sqlite3's `Database` constructor. Versions 12 and 13 have the same API, so one type serves both. */
export type SqliteDriver = typeof BetterSqlite3;

// package.json installs better-sqlite3 twice, because no single version runs on every Node Sluice supports:
// - 12, as `better-sqlite3`, is built on V8's C++ API for each Node ABI. It is the only one Node 20 can
//   load: 13 crashes there when loaded. From Node 24.19 on it aborts the process when a garbage collection
//   outside any JavaScript context finalizes one of its statements: node::ObjectWrap's destructor asserts
//   in RemoveEnvironmentCleanupHook (`Assertion failed: (env) != nullptr`).
// - 13, as the optional alias `better-sqlite3-node22`, is built on Node-API and ships prebuilt binaries.
//   It needs Node 22 or newer, so npm skips installing it on Node 20.
const forNode20 = 'better-sqlite3';
const forNode22 = 'better-sqlite3-node22';

/** The packages to try on a Node version, best first. */
export function sqliteDriverPackages(nodeVersion: string): string[] {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  if (major < 22) return [forNode20];
  // A fallback to 12 (the alias not installed, or no binary for this platform) only where it is safe.
  const twelveAborts = major > 24 || (major === 24 && minor >= 19);
  return twelveAborts ? [forNode22] : [forNode22, forNode20];
}

/**
 * The first package on the list whose native addon loads on this Node. Requiring better-sqlite3 does not
 * load its addon, opening a database does: that is where a missing binary, or one built for another Node,
 * fails, so each candidate opens and closes an in-memory database before it is chosen.
 */
export function pickSqliteDriver(nodeVersion: string, requirePackage: (name: string) => unknown): SqliteDriver {
  const failures: string[] = [];
  for (const name of sqliteDriverPackages(nodeVersion)) {
    try {
      const Driver = requirePackage(name) as SqliteDriver;
      new Driver(':memory:').close();
      return Driver;
    } catch (error) {
      // The first line: a failed require goes on to list every module on its require stack.
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      failures.push(`${name}: ${reason}`);
    }
  }
  throw new Error(
    `No SQLite driver loads on Node ${nodeVersion} (${failures.join('; ')}). ` +
      'Run `npm ci` (or `npm install`) again with this Node, without --omit=optional: better-sqlite3 is built for the Node that installs it.',
  );
}

let driver: SqliteDriver | undefined;

/** better-sqlite3 for the Node that runs this process (and thread), chosen on first use. */
export function loadSqliteDriver(): SqliteDriver {
  driver ??= pickSqliteDriver(process.versions.node, createRequire(import.meta.url));
  return driver;
}
