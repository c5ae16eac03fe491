import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A worker thread's compiled script, by its file name in `src/usage`: the one beside this module, or, when
 * this module runs from TypeScript source (the test runner transpiles in memory, but a worker thread is
 * plain Node), the build output's; `npm test` builds first.
 */
export function builtWorkerScript(fileName: string): URL {
  const sibling = new URL(`./${fileName}`, import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const built = new URL(`../../dist/src/usage/${fileName}`, import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`${fileName} not found: run \`npm run build\` first`);
}
