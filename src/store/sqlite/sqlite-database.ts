import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { toStoreError } from '../store-error-kind.js';
import { loadSqliteDriver } from './load-sqlite-driver.js';
import { sqliteMigrations } from './migrations.js';

/** Opens the store's SQLite file (WAL mode, shared by a server and the CLI) and brings its schema up to date. */
export function openSqliteDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const Driver = loadSqliteDriver();
  const database = new Driver(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // Several processes (a server and the CLI) may share the file.
  database.pragma('busy_timeout = 5000');
  // Per connection, off by default: without it deleting a usage row would leave its attempts behind.
  database.pragma('foreign_keys = ON');
  migrate(database);
  return database;
}

function migrate(database: Database.Database): void {
  const applied = database.pragma('user_version', { simple: true }) as number;
  for (let version = applied; version < sqliteMigrations.length; version++) {
    database.transaction(() => {
      database.exec(sqliteMigrations[version] ?? '');
      database.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/**
 * Runs one database call, turning "locked past the busy timeout", "disk full" and the like into the
 * store's `store_unavailable` error, as the PostgreSQL store does for a lost connection.
 */
export function guarded<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw toStoreError(error);
  }
}
