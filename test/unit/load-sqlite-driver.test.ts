import { describe, expect, it } from 'vitest';
import { loadSqliteDriver, pickSqliteDriver, sqliteDriverPackages, type SqliteDriver } from '../../src/store/sqlite/load-sqlite-driver.js';

/** A stand-in for better-sqlite3 whose "native addon" loads, or fails the way a missing or foreign build does. */
function fakeDriver(openFailure?: string): SqliteDriver {
  return class {
    constructor() {
      if (openFailure) throw new Error(openFailure);
    }
    close(): void {}
  } as unknown as SqliteDriver;
}

function notInstalled(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- /somewhere/load-sqlite-driver.js`), { code: 'MODULE_NOT_FOUND' });
}

/** A `require` over a table of packages; a package not in it is not installed. */
function requireFrom(installed: Record<string, SqliteDriver>): (name: string) => unknown {
  return (name) => {
    const driver = Object.hasOwn(installed, name) ? installed[name] : undefined;
    if (!driver) throw notInstalled(name);
    return driver;
  };
}

describe('sqliteDriverPackages', () => {
  it('never offers better-sqlite3 13 to Node 20, which crashes loading it', () => {
    expect(sqliteDriverPackages('20.19.0')).toEqual(['better-sqlite3']);
    expect(sqliteDriverPackages('20.20.2')).toEqual(['better-sqlite3']);
  });

  it('prefers 13 from Node 22 on, falling back to 12 only before 24.19', () => {
    expect(sqliteDriverPackages('22.12.0')).toEqual(['better-sqlite3-node22', 'better-sqlite3']);
    expect(sqliteDriverPackages('23.11.1')).toEqual(['better-sqlite3-node22', 'better-sqlite3']);
    expect(sqliteDriverPackages('24.18.0')).toEqual(['better-sqlite3-node22', 'better-sqlite3']);
  });

  it('never offers 12 from Node 24.19 on, where it aborts the process in a garbage collection', () => {
    expect(sqliteDriverPackages('24.19.0')).toEqual(['better-sqlite3-node22']);
    expect(sqliteDriverPackages('24.21.0')).toEqual(['better-sqlite3-node22']);
    expect(sqliteDriverPackages('26.1.0')).toEqual(['better-sqlite3-node22']);
  });
});

describe('pickSqliteDriver', () => {
  const twelve = fakeDriver();
  const thirteen = fakeDriver();

  it('picks 13 on Node 22 when both are installed', () => {
    expect(pickSqliteDriver('22.12.0', requireFrom({ 'better-sqlite3': twelve, 'better-sqlite3-node22': thirteen }))).toBe(thirteen);
  });

  it('falls back to 12 on Node 22 when 13 is not installed or its addon does not load', () => {
    expect(pickSqliteDriver('22.12.0', requireFrom({ 'better-sqlite3': twelve }))).toBe(twelve);
    const noBinary = fakeDriver("Cannot find module '../build/Release/better_sqlite3.node'");
    expect(pickSqliteDriver('22.12.0', requireFrom({ 'better-sqlite3': twelve, 'better-sqlite3-node22': noBinary }))).toBe(twelve);
  });

  it('says which packages it tried and why each failed, and how to fix it', () => {
    const builtForNode20 = fakeDriver('The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115.');
    const pick = () => pickSqliteDriver('22.12.0', requireFrom({ 'better-sqlite3': builtForNode20 }));
    expect(pick).toThrow(
      "No SQLite driver loads on Node 22.12.0 (better-sqlite3-node22: Cannot find module 'better-sqlite3-node22'; " +
        'better-sqlite3: The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115.). Run `npm ci`',
    );
  });

  it('refuses 12 on Node 24.21 rather than run on a driver that aborts the process later', () => {
    expect(() => pickSqliteDriver('24.21.0', requireFrom({ 'better-sqlite3': twelve }))).toThrow(
      "No SQLite driver loads on Node 24.21.0 (better-sqlite3-node22: Cannot find module 'better-sqlite3-node22').",
    );
  });
});

describe('loadSqliteDriver', () => {
  it('opens a database on the Node running this test', () => {
    const Database = loadSqliteDriver();
    const database = new Database(':memory:');
    expect(database.prepare('SELECT 40 + 2 AS answer').get()).toEqual({ answer: 42 });
    database.close();
    expect(loadSqliteDriver()).toBe(Database);
  });
});
