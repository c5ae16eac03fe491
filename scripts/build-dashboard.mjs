// Builds the dashboard (dashboard/) into dist/dashboard/: one minified script, one stylesheet (uPlot's and
// ours) and index.html. Run by `npm run build` after tsc; the gateway serves the result at /dashboard/.
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'dashboard');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: join(root, 'dashboard', 'src', 'main.tsx'), styles: join(root, 'dashboard', 'src', 'styles.css') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(join(root, 'dashboard', 'index.html'), join(out, 'index.html'));

let total = 0;
for (const name of ['index.html', 'app.js', 'styles.css']) total += (await stat(join(out, name))).size;
console.log(`dashboard built: ${(total / 1024).toFixed(1)} KB (index.html + app.js + styles.css)`);
