import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A worker thread's compiled script, by its path under `src/` (`usage/usage-write-worker.js`): the one the
 * build put beside this module's tree, or, when this module runs from TypeScript source (the test runner
 * transpiles in memory, but a worker thread is plain Node), the build output's; `npm test` builds first.
 */
export function builtWorkerScript(pathInSrc: string): URL {
  const sibling = new URL(`../${pathInSrc}`, import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const built = new URL(`../../dist/src/${pathInSrc}`, import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`${pathInSrc} not found: run \`npm run build\` first`);
}
