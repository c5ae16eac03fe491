import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built dashboard (`dist/dashboard/`, written by `npm run build`), found from this module whether it
 * runs compiled (`dist/src/dashboard/`) or from source under vitest (`src/dashboard/`): the package root is
 * the nearest directory above with a package.json. Undefined when the bundle has not been built.
 */
export function dashboardAssetsDirectory(): string | undefined {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
  const assets = join(directory, 'dist', 'dashboard');
  return existsSync(join(assets, 'index.html')) ? assets : undefined;
}

/**
 * Headers for every dashboard page and asset: scripts, styles and fetches from this origin only (the bundle
 * has no inline script), never framed, no referrer leaving the page.
 */
export const dashboardSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
