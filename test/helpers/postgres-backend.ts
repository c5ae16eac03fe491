import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * A private schema in the machine's real PostgreSQL (`DATABASE_URL`, set by .ci/run) for one test file,
 * so parallel files and repeated runs never see each other's rows. Without a server the tests skip and
 * say why; they never run against a mock of the database.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> } | { skipReason: string }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { skipReason: 'DATABASE_URL is not set; the PostgreSQL backend tests need a real server' };
  const schema = `sluice_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    return { skipReason: `PostgreSQL at ${base} is unreachable (${(error as Error).message})` };
  }
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
